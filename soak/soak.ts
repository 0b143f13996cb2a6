// The soak (`npm run soak -- --minutes N`): `calf run` as a service over a marker spout writing
// 1, 2, 3, ..., a cron pipeline and a two-stage DAG, while the spout and the runner are kill -9'd
// at random; samples RSS, fds, temp files, scratch and processes; at the end checks the exact
// sequence, every derived output, fsck and gc, and growth. Prints the figures.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openApp, resolveSettings } from "../src/app.ts";
import { timerSleep } from "../src/host.ts";
import { loadRuntime } from "../runtime/index.ts";
import { loadMarker } from "../src/spout/marker.ts";
import { compareBytes } from "../src/plan/bytewise.ts";
import { growthProblems, sequenceProblem, type Sample } from "./verdict.ts";

const USAGE = `usage: npm run soak -- --minutes N [--bin PATH] [--dir DIR] [--keep]

  --minutes N   how long to kill and restart (required; the checks take a minute more)
  --bin PATH    the calf under test (default: bun src/main.ts)
  --dir DIR     work folder (default: a new one under $TMPDIR, removed unless --keep or a failure)
  --keep        keep the work folder`;

interface Options { minutes: number; bin: string[]; dir: string | null; keep: boolean }

function options(argv: string[]): Options {
  const o: Options = { minutes: NaN, bin: [process.execPath, path.join(import.meta.dir, "../src/main.ts")], dir: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--minutes") o.minutes = Number(argv[++i]);
    else if (a === "--bin") o.bin = [path.resolve(argv[++i]!)];
    else if (a === "--dir") o.dir = path.resolve(argv[++i]!);
    else if (a === "--keep") o.keep = true;
    else throw new Error(`unknown flag "${a}"\n${USAGE}`);
  }
  if (!(o.minutes > 0)) throw new Error(`--minutes N is required (N > 0)\n${USAGE}`);
  return o;
}

const SPOUT_SH = `echo $$ > "$SOAK_DIR/spout.pid"
n=$(cat "$PFS_ROOT/offset" 2>/dev/null || echo 0)
w="$SOAK_DIR/spout-work"; rm -rf "$w"; mkdir -p "$w/s"; cd "$w"
exec 3>"$PFS_ROOT/out"
while :; do
  n=$((n+1)); echo $n > s/$n; echo $n > offset
  tar -cf - s/$n offset >&3 || exit 1
  rm s/$n; sleep 0.05
done
`;

function specs(dir: string): Record<string, string> {
  return {
    "seq.yaml": `pipeline: {name: seq}\ntransform: {cmd: [sh, seq.sh], env: {SOAK_DIR: "${dir}"}}\nspout: {marker: offset}\n`,
    "seq.sh": SPOUT_SH,
    "square.yaml": [
      "pipeline: {name: square}",
      "transform: {cmd: [sh, -c, 'n=$(cat \"$seq\"); echo $((n*n)) > /pfs/out/$(basename \"$seq\")']}",
      "input: {pfs: {repo: seq, glob: \"/s/*\"}}",
    ].join("\n"),
    "total.yaml": [
      "pipeline: {name: total}",
      "transform: {cmd: [sh, -c, 'cat \"$square\" > /pfs/out/all']}",
      "input: {pfs: {repo: square, glob: \"/*\"}}",
    ].join("\n"),
    "tick.yaml": [
      "pipeline: {name: tick}",
      "transform: {cmd: [sh, -c, 'cp \"$clock\" /pfs/out/']}",
      "input: {cron: {name: clock, spec: \"@every 5s\"}}",
    ].join("\n"),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2)[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Processes whose environment carries this soak's id. */
function soakProcs(id: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/environ`, "latin1").includes(`CALF_SOAK_ID=${id}\0`) && alive(Number(d))) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function sample(pid: number, t: number, dataDir: string, id: string): Sample | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
    const count = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).length : 0);
    return { t, rssKiB, fds, tmpFiles: count(path.join(dataDir, "tmp")), scratch: count(path.join(dataDir, "scratch")), procs: soakProcs(id).length };
  } catch {
    return null; // the runner went away between two reads
  }
}

async function main(): Promise<number> {
  const o = options(process.argv.slice(2));
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "calf-soak-"));
  const id = Math.random().toString(36).slice(2);
  const pipelines = path.join(dir, "pipelines");
  const dataDir = path.join(dir, "data");
  fs.mkdirSync(pipelines, { recursive: true });
  for (const [name, text] of Object.entries(specs(dir))) fs.writeFileSync(path.join(pipelines, name), text);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? dir, TMPDIR: process.env.TMPDIR ?? "/tmp", CALF_SANDBOX: "none", CALF_DATA_DIR: dataDir, CALF_PIPELINES: pipelines, CALF_SOAK_ID: id };
  const calf = (args: string[]) => spawnSync(o.bin[0]!, [...o.bin.slice(1), ...args], { cwd: dir, env, encoding: "utf8", maxBuffer: 1 << 28 });
  const log = fs.openSync(path.join(dir, "runner.log"), "a");
  let runner: ChildProcess | null = null;
  const startRunner = () => {
    runner = spawn(o.bin[0]!, [...o.bin.slice(1), "run"], { cwd: dir, env, stdio: ["ignore", log, log] });
  };
  const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once("exit", () => r())));
  console.log(`soak: ${o.minutes} min in ${dir} (calf: ${o.bin.join(" ")})`);
  startRunner();

  const samples: Sample[] = [];
  const t0 = Date.now();
  const end = t0 + o.minutes * 60_000;
  let runnerKills = 0;
  let spoutKills = 0;
  const sampler = setInterval(() => {
    const s = runner?.pid ? sample(runner.pid, (Date.now() - t0) / 1000, dataDir, id) : null;
    if (s) samples.push(s);
  }, 1000);
  while (Date.now() < end) {
    await sleep(Math.min(rand(3000, 12_000), Math.max(0, end - Date.now())));
    if (Date.now() >= end) break;
    const spoutPid = Number(fs.existsSync(path.join(dir, "spout.pid")) ? fs.readFileSync(path.join(dir, "spout.pid"), "utf8") : 0);
    if (Math.random() < 0.6 && spoutPid && alive(spoutPid)) {
      process.kill(spoutPid, "SIGKILL");
      spoutKills++;
    } else {
      const r = runner!;
      r.kill("SIGKILL");
      await exited(r);
      runnerKills++;
      await sleep(rand(0, 1000));
      startRunner();
    }
  }
  clearInterval(sampler);

  // Quiesce: stop the runner as a service manager would, pause the spout, run what is due.
  const r = runner! as ChildProcess;
  r.kill("SIGTERM");
  await Promise.race([exited(r), sleep(30_000).then(() => r.kill("SIGKILL"))]);
  const fails: string[] = [];
  const must = (args: string[]) => {
    const x = calf(args);
    if (x.status !== 0) fails.push(`calf ${args.join(" ")} exited ${x.status}: ${x.stderr.trim()}`);
    return x;
  };
  must(["stop", "pipeline", "seq"]);
  must(["run", "--once"]);
  for (let i = 0; i < 50 && soakProcs(id).length; i++) await sleep(100);
  const leftProcs = soakProcs(id);
  if (leftProcs.length) fails.push(`processes left running after the runner stopped: ${leftProcs.join(", ")}`);

  // The exact sequence, its marker, and what the DAG and cron made of it.
  const rt = await loadRuntime();
  const app = await openApp(rt, resolveSettings({ dataDir, pipelines }, {}, dir), { json: false, quiet: true, write() {}, info() {}, warn() {}, stderr: { write() {}, tty: false, columns: () => 80 } }, { env: {}, cwd: dir, cpus: 2, clock: { now: () => new Date(), sleep: timerSleep }, self: [] }, { write: false });
  const text = async (hash: string) => Buffer.from(await app.store.read(hash)).toString("utf8");
  const filesOf = async (repo: string) => {
    const head = await app.repos.branchHead(repo, "master");
    return head ? (await app.repos.listAll(head)).filter((e) => e.type === "file") : [];
  };
  const seq = await filesOf("seq");
  const numbers = seq.map((e) => Number(path.basename(e.path)));
  const seqProblem = sequenceProblem(numbers);
  if (seqProblem) fails.push(`spout sequence: ${seqProblem}`);
  const top = numbers.length ? Math.max(...numbers) : 0;
  for (const e of seq) if ((await text(e.hash)) !== `${path.basename(e.path)}\n`) fails.push(`seq ${e.path} holds the wrong number`);
  const marker = await loadMarker(app.db, "seq");
  const offset = marker ? (await app.repos.listAll({ tree: marker.root, sizeBytes: marker.size })).find((e) => e.path === "/offset") : undefined;
  const markerValue = offset ? Number(await text(offset.hash)) : 0;
  if (markerValue !== top) fails.push(`marker is ${markerValue}, the last archive ${top}`);
  const squares = await filesOf("square");
  if (squares.length !== numbers.length) fails.push(`square holds ${squares.length} files for ${numbers.length} numbers`);
  for (const e of squares) {
    const n = Number(path.basename(e.path));
    if ((await text(e.hash)) !== `${n * n}\n`) fails.push(`square ${e.path} is wrong`);
  }
  const all = (await filesOf("total")).find((e) => e.path === "/all");
  const wantAll = numbers.map(String).sort(compareBytes).map((n) => `${Number(n) ** 2}\n`).join("");
  if (!all || (await text(all.hash)) !== wantAll) fails.push("total /all is not the squares in path order");
  const tickNames = (await filesOf("tick_clock")).map((e) => e.path);
  const ticks = tickNames.length;
  const copied = (await filesOf("tick")).map((e) => e.path);
  if (JSON.stringify(copied) !== JSON.stringify(tickNames)) fails.push(`tick's output holds ${copied.length} of ${ticks} ticks`);
  const jobs = (await app.db.all<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")).map((x) => `${x.state} ${x.n}`).join(", ");
  app.close();

  const fsck1 = must(["fsck", "--quick"]);
  const gc = must(["gc", "--grace", "0s", "-o", "json"]);
  must(["fsck"]);
  const reclaimed = gc.status === 0 ? JSON.parse(gc.stdout) : null;
  const left = ["tmp", "scratch"].map((d) => (fs.existsSync(path.join(dataDir, d)) ? fs.readdirSync(path.join(dataDir, d)).length : 0));
  if (left[0] || left[1]) fails.push(`left after the end: ${left[0]} temp files, ${left[1]} scratch folders`);
  fails.push(...growthProblems(samples));

  const max = (k: keyof Sample) => Math.max(0, ...samples.map((s) => s[k]));
  const figures = [
    `minutes: ${o.minutes}`,
    `archives committed (sequence checked): 1..${top}, ${seqProblem ?? "no gap, no duplicate"}; marker ${markerValue}`,
    `kills: ${runnerKills} of the runner, ${spoutKills} of the spout`,
    `jobs: ${jobs}; cron ticks: ${ticks}`,
    `runner max RSS: ${Math.round(max("rssKiB") / 1024)} MiB; max open fds: ${max("fds")}; max temp files: ${max("tmpFiles")}; max scratch folders: ${max("scratch")}; max processes: ${max("procs")}`,
    `fsck: ${fsck1.status === 0 ? "clean" : "PROBLEMS"}; gc reclaimed ${reclaimed ? `${reclaimed.removed.objects} objects, ${reclaimed.temp.files} temp files (${reclaimed.reclaimed_bytes} bytes)` : "-"}`,
  ];
  console.log(figures.map((f) => `soak: ${f}`).join("\n"));
  if (fails.length) {
    console.log(`soak: FAILED\n${fails.map((f) => `  ${f}`).join("\n")}\nsoak: work folder kept: ${dir}`);
    return 1;
  }
  console.log("soak: OK");
  if (!o.keep && !o.dir) fs.rmSync(dir, { recursive: true, force: true });
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`soak: ${(err as Error).message}`);
  process.exitCode = 2;
}
