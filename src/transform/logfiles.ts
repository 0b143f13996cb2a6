// Where transform logs live and how they are read back (calf logs, the API):
// <data>/logs/<pipeline>/<job>/<datum>.<attempt>.log for datums (attempt 1,
// 2, ... or err_cmd), <data>/logs/<pipeline>/spout/spout.<start>.<seq>.log for
// a spout's runs. Each line is "<time> <out|err|calf> <text>" (logs.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { parseLogLine, type LogLine } from "./logs.ts";

export const SPOUT_JOB = "spout";

/** The folder of one job's datum logs (or a spout's runs, job = "spout"). */
export function logDir(dataDir: string, pipeline: string, job: string): string {
  return path.join(dataDir, "logs", pipeline, job);
}

export interface LogFile {
  file: string;
  pipeline: string;
  job: string;
  /** A datum id, or "spout". */
  datum: string;
  /** "1", "2", ... or "err_cmd" for a datum; the run's start and file number for a spout. */
  attempt: string;
}

export interface TaggedLine extends LogLine, Omit<LogFile, "file"> {}

/**
 * The log files of `pipeline` (all when absent), of job ids in `jobs` order
 * (older first; spout logs after them), of datums whose id starts with
 * `datum`. File names sort in time order within a datum.
 */
export function listLogFiles(dataDir: string, opts: { pipeline?: string; job?: string; datum?: string; jobOrder?: Map<string, number> } = {}): LogFile[] {
  const root = path.join(dataDir, "logs");
  const out: LogFile[] = [];
  if (!fs.existsSync(root)) return out;
  const order = (j: string) => (j === SPOUT_JOB ? Number.MAX_SAFE_INTEGER : opts.jobOrder?.get(j) ?? 0);
  for (const p of fs.readdirSync(root).sort()) {
    if (opts.pipeline && p !== opts.pipeline) continue;
    const pdir = path.join(root, p);
    const jobs = fs.readdirSync(pdir).filter((j) => !opts.job || j === opts.job).sort((a, b) => order(a) - order(b));
    for (const j of jobs) {
      for (const n of fs.readdirSync(path.join(pdir, j)).sort()) {
        if (!n.endsWith(".log")) continue;
        const first = n.indexOf(".");
        const datum = n.slice(0, first);
        if (opts.datum && !datum.startsWith(opts.datum)) continue;
        out.push({ file: path.join(pdir, j, n), pipeline: p, job: j, datum, attempt: n.slice(first + 1, -".log".length) });
      }
    }
  }
  return out;
}

/** How much of a log's end a tail reads at most: a transform's 5 GB of output must not be read (or held) to show its last lines. */
export const TAIL_MAX_BYTES = 16 << 20;
const TAIL_CHUNK = 64 << 10;

/**
 * The last `n` whole lines of `f`, read back from its end a chunk at a time:
 * at most `maxBytes` of it however big it is (a line that starts before
 * that is left out), and, as readLines(), not a line still being written.
 */
export function tailLines(f: LogFile, n: number, maxBytes = TAIL_MAX_BYTES): TaggedLine[] {
  let fd: number;
  try {
    fd = fs.openSync(f.file, "r");
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let start = size;
    let newlines = 0;
    // n lines take n + 1 newlines to be sure of the first (the one before it ends the line that precedes).
    while (start > 0 && newlines <= n && size - start < maxBytes) {
      const len = Math.min(TAIL_CHUNK, start, maxBytes - (size - start));
      const chunk = Buffer.alloc(len);
      if (fs.readSync(fd, chunk, 0, len, start - len) !== len) break; // truncated meanwhile: what was read stands
      start -= len;
      chunks.unshift(chunk);
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) newlines++;
    }
    const buf = Buffer.concat(chunks);
    const end = buf.lastIndexOf(0x0a);
    const begin = start === 0 ? 0 : buf.indexOf(0x0a) + 1; // not from the file's start: the first line is cut
    if (end < 0 || begin > end) return [];
    return buf.subarray(begin, end).toString("utf8").split("\n").slice(-n).map((raw) => ({
      ...parseLogLine(raw), pipeline: f.pipeline, job: f.job, datum: f.datum, attempt: f.attempt,
    }));
  } finally {
    fs.closeSync(fd);
  }
}

/** The whole lines written to `f` since byte `from`, and the offset to read from next time. */
export function readLines(f: LogFile, from = 0): { lines: TaggedLine[]; next: number } {
  let fd: number;
  try {
    fd = fs.openSync(f.file, "r");
  } catch {
    return { lines: [], next: from };
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= from) return { lines: [], next: from };
    const buf = Buffer.alloc(size - from);
    const n = fs.readSync(fd, buf, 0, buf.length, from);
    const end = buf.lastIndexOf(0x0a, n - 1); // a line being written is read when it is whole
    if (end < 0) return { lines: [], next: from };
    const lines = buf.subarray(0, end).toString("utf8").split("\n").map((raw) => ({
      ...parseLogLine(raw), pipeline: f.pipeline, job: f.job, datum: f.datum, attempt: f.attempt,
    }));
    return { lines, next: from + end + 1 };
  } finally {
    fs.closeSync(fd);
  }
}
