// What a killed or failed calf leaves: temp objects (tmp/obj-<pid>-<ms36>-<n>, and the S3
// store's spool files tmp/s3-<pid>-<ms36>-<n>), objects gc
// moved aside (tmp/gc-<pid>-<ms36>-<hash>) and scratch folders. A temp file is live while its
// writer runs: its pid alive, started before the file was named (a reused pid does not keep
// it). findLeftovers() finds them; reclaim() removes them (puts gc's aside objects back).
import * as fs from "node:fs";
import * as path from "node:path";

export interface Leftover {
  path: string;
  kind: "temp" | "aside" | "scratch";
  bytes: number;
}

/** When a process started (ms since the epoch), or null when no such process runs (zombies count as gone). */
export type ProcessStart = (pid: number) => number | null;

/** Slack for comparing a process's start with a name's time: /proc's boot time has whole seconds. */
const START_SLACK_MS = 2000;

/** obj-<pid>-<ms36>-<n>: the fs store's temp objects; s3-<pid>-<ms36>-<n>: the S3 store's spool files. */
const TEMP = /^(?:obj|s3)-(\d+)-([0-9a-z]+)-\d+$/;
const ASIDE = /^gc-(\d+)-([0-9a-z]+)-([0-9a-f]{64})$/;
const JOB_DIR = /^[0-9a-f]{32}$/;

export interface FindOptions {
  dataDir: string;
  /** This process holds the runner lock: no other runner runs, so every scratch folder is a leftover. */
  runnerHeld: boolean;
  /** States of the jobs named by scratch folders (finished jobs leave nothing that is still used). */
  jobStates(ids: string[]): Promise<Map<string, string>>;
  processStart?: ProcessStart;
}

export async function findLeftovers(opts: FindOptions): Promise<Leftover[]> {
  const started = opts.processStart ?? procStart;
  const out: Leftover[] = [];
  const tmp = path.join(opts.dataDir, "tmp");
  for (const name of readdir(tmp)) {
    const m = TEMP.exec(name) ?? ASIDE.exec(name);
    if (!m) continue; // not ours to judge
    if (writerAlive(started, Number(m[1]), parseInt(m[2]!, 36))) continue;
    const st = fs.lstatSync(path.join(tmp, name), { throwIfNoEntry: false });
    if (st) out.push({ path: path.join(tmp, name), kind: name.startsWith("gc-") ? "aside" : "temp", bytes: st.size });
  }
  const scratch = path.join(opts.dataDir, "scratch");
  const names = readdir(scratch);
  if (!names.length) return out;
  const states = opts.runnerHeld ? new Map<string, string>() : await opts.jobStates(names.filter((n) => JOB_DIR.test(n)));
  const runner = opts.runnerHeld ? null : runnerStart(opts.dataDir, started);
  for (const name of names) {
    const dir = path.join(scratch, name);
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st) continue;
    if (!opts.runnerHeld) {
      // A runner that started before the folder was last changed may be using it; one that
      // started after it cleaned scratch/ at its start, so the folder is an older runner's.
      const runnerUses = runner !== null && runner <= st.mtimeMs + START_SLACK_MS;
      const state = states.get(name);
      const finished = state !== undefined && state !== "running" && state !== "created";
      if (runnerUses && !finished) continue;
    }
    out.push({ path: dir, kind: "scratch", bytes: du(dir) });
  }
  return out;
}

export interface Reclaimed {
  removed: number;
  /** Objects gc had moved aside, put back in objects/ (the next gc judges them again). */
  restored: number;
  bytes: number;
}

/** Removes leftovers (puts gc's aside objects back); a file gone meanwhile is not an error. */
export function reclaim(leftovers: Leftover[], dataDir: string): Reclaimed {
  const r: Reclaimed = { removed: 0, restored: 0, bytes: 0 };
  for (const l of leftovers) {
    if (l.kind === "aside") {
      const hash = ASIDE.exec(path.basename(l.path))![3]!;
      const final = path.join(dataDir, "objects", hash.slice(0, 2), hash.slice(2));
      try {
        fs.mkdirSync(path.dirname(final), { recursive: true });
        if (fs.existsSync(final)) fs.rmSync(l.path, { force: true });
        else fs.renameSync(l.path, final);
        r.restored++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      continue;
    }
    fs.rmSync(l.path, { recursive: true, force: true });
    r.removed++;
    r.bytes += l.bytes;
  }
  return r;
}

function writerAlive(started: ProcessStart, pid: number, namedAt: number): boolean {
  const s = started(pid);
  return s !== null && s <= namedAt + START_SLACK_MS;
}

/** When the runner that last took the data dir's lock started, or null when it no longer runs. */
function runnerStart(dataDir: string, started: ProcessStart): number | null {
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, "lock"), "utf8").trim());
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 ? started(pid) : null;
}

let bootMs: number | null | undefined;

/** From /proc (Linux): field 22 of /proc/PID/stat is the start in clock ticks (100 per second) after boot. */
export const procStart: ProcessStart = (pid) => {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (rest[0] === "Z" || rest[0] === "X") return null;
  bootMs ??= (() => {
    const m = /^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"));
    return m ? Number(m[1]) * 1000 : null;
  })();
  const ticks = Number(rest[19]);
  if (bootMs === null || !Number.isFinite(ticks)) return 0; // running, start unknown: count it as old enough
  return bootMs + ticks * 10;
};

function readdir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** Bytes of the files under `p` (links not followed). */
function du(p: string): number {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of readdir(p)) n += du(path.join(p, name));
  return n;
}
