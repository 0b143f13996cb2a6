// By hand, not in npm test: `npx bun bench/workers.ts [--datums N] [--runs R] [--s3] [--calf PATH]`.
// One job of N one-file datums (default 10k; the transform copies its file) run
// by `calf serve` alone (local slots) and by `serve --local-slots 0` with 1 and 2
// `calf worker`s on this machine; objects through serve, or (--s3) in s3rver on
// loopback. Prints job throughput (datums/s, the job row's own start and end) and
// the lease path's cost: CPU calf's own processes spent per datum (serve; workers),
// transforms not included (wall-clock differences drown in a shared machine's noise).
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { startS3, type S3Server } from "../test/helpers/s3.ts";
import { removeDir, tempDir } from "../test/helpers/tmp.ts";

const arg = (name: string, dflt: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : dflt);
const N = Number(arg("--datums", "10000"));
const RUNS = Number(arg("--runs", "3"));
const useS3 = process.argv.includes("--s3");
const ROOT = path.resolve(import.meta.dir, "..");
const built = path.join(ROOT, "dist", "calf");
const given = arg("--calf", "");
const CALF = given ? (given.endsWith(".ts") ? [process.execPath, path.resolve(given)] : [path.resolve(given)]) : fs.existsSync(built) ? [built] : [process.execPath, path.join(ROOT, "src/main.ts")];
const TOKEN = "bench-token";

interface Config {
  name: string;
  localSlots: number;
  workers: number[];
}
const CONFIGS: Config[] = [
  { name: "serve alone, 2 local slots", localSlots: 2, workers: [] },
  { name: "1 worker × 2 slots", localSlots: 0, workers: [2] },
  { name: "2 workers × 1 slot", localSlots: 0, workers: [1, 1] },
  { name: "2 workers × 2 slots", localSlots: 0, workers: [2, 2] },
];

let s3: S3Server | null = useS3 ? await startS3({ lifetimeMs: 60 * 60_000 }) : null;

function calf(cwd: string, env: Record<string, string>, args: string[]): string {
  const r = spawnSync(CALF[0]!, [...CALF.slice(1), ...args], { cwd, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`calf ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function background(cwd: string, env: Record<string, string>, args: string[]): { proc: ChildProcess; out: () => string } {
  const proc = spawn(CALF[0]!, [...CALF.slice(1), ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (b) => (out += b));
  proc.stderr!.on("data", (b) => (out += b));
  return { proc, out: () => out };
}

async function until<T>(f: () => Promise<T | null | undefined>, ms: number): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await f().catch(() => null);
    if (v) return v;
    if (performance.now() > end) throw new Error(`gave up after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let seq = 0;
/** CPU seconds a live process used itself (utime + stime; children not included), from /proc. */
function cpuOf(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

async function once(c: Config): Promise<{ ms: number; workers: Record<string, number>; serveCpu: number; workerCpu: number }> {
  const cwd = tempDir("calf-bench-workers-");
  try {
    const env: Record<string, string> = { CALF_API_TOKEN: TOKEN, ...(s3 ? { ...s3.env, CALF_STORE: `s3://${s3.bucket}/run${seq++}` } : {}) };
    fs.mkdirSync(path.join(cwd, "pipelines"));
    fs.writeFileSync(path.join(cwd, "pipelines", "copy.yaml"), `pipeline: {name: copy}\ntransform: {cmd: [sh, -c, 'cp "$in" /pfs/out/']}\ninput: {pfs: {repo: in, glob: "/*"}}\nparallelism_spec: {constant: 2}\n`);
    const src = path.join(cwd, "src");
    fs.mkdirSync(src);
    for (let i = 0; i < N; i++) fs.writeFileSync(path.join(src, `f${i}`), `file ${i}\n`);
    calf(cwd, env, ["create", "repo", "in"]);
    const serve = background(cwd, env, ["serve", "--listen", "127.0.0.1:0", "--local-slots", String(c.localSlots)]);
    const procs = [serve.proc];
    try {
      const base = await until(async () => /listening on (http:\/\/\S+)/.exec(serve.out())?.[1], 30_000);
      c.workers.forEach((slots, i) => procs.push(background(cwd, env, ["worker", "--join", base, "--slots", String(slots), "--work-dir", `w${i}`, "--name", `w${i}`]).proc));
      // The workers are there before the job starts: the figure is the job's, not the workers' start-up.
      await until(async () => ((await (await fetch(`${base}/api/v1/workers`)).json()) as unknown[]).length === c.workers.length || null, 30_000);
      calf(cwd, env, ["put", "file", "in@master:/", "-f", "src", "-r"]);
      const job = await until(async () => {
        const [j] = (await (await fetch(`${base}/api/v1/jobs`)).json()) as any[];
        return j && j.state !== "running" ? j : null;
      }, 30 * 60_000);
      if (job.state !== "success" || job.datums.processed !== N) throw new Error(`job ended ${job.state}: ${JSON.stringify(job.datums)} ${job.reason ?? ""}`);
      const cpu = procs.map((p) => cpuOf(p.pid));
      return { ms: Date.parse(job.finished) - Date.parse(job.started), workers: job.workers, serveCpu: cpu[0]!, workerCpu: cpu.slice(1).reduce((a, b) => a + b, 0) };
    } finally {
      for (const p of procs) p.kill("SIGTERM");
      await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once("exit", r)) : null)));
    }
  } finally {
    removeDir(cwd);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: { c: Config; ms: number[]; serveCpu: number[]; workerCpu: number[] }[] = CONFIGS.map((c) => ({ c, ms: [], serveCpu: [], workerCpu: [] }));
process.stderr.write(`bench/workers: ${N} datums, ${RUNS} runs each, objects ${s3 ? "in s3rver on loopback" : "through serve (local store)"}, calf ${CALF.join(" ")}, CALF_SANDBOX=${process.env.CALF_SANDBOX ?? "auto"}\n`);
// Round after round over every configuration, so a noisy minute (2 cores shared with others) hits all of them alike.
for (let r = 0; r < RUNS; r++) {
  for (const row of rows) {
    const x = await once(row.c);
    row.ms.push(x.ms);
    row.serveCpu.push(x.serveCpu);
    row.workerCpu.push(x.workerCpu);
    process.stderr.write(`  round ${r + 1}: ${row.c.name}: ${x.ms} ms, serve ${x.serveCpu.toFixed(1)} CPU s, workers ${x.workerCpu.toFixed(1)} CPU s ${JSON.stringify(x.workers)}\n`);
  }
}
console.log(`| ${N} datums | job time (median, min–max) | datums/s | calf CPU per datum: serve + workers (ms) |`);
console.log("|---|---|---|---|");
for (const { c, ms, serveCpu, workerCpu } of rows) {
  const m = median(ms);
  const cpu = `${((median(serveCpu) * 1000) / N).toFixed(2)} + ${((median(workerCpu) * 1000) / N).toFixed(2)}`;
  console.log(`| ${c.name} | ${(m / 1000).toFixed(1)} s (${(Math.min(...ms) / 1000).toFixed(1)}–${(Math.max(...ms) / 1000).toFixed(1)}) | ${Math.round(N / (m / 1000))} | ${cpu} |`);
}
await s3?.stop();
s3 = null;
