// Runs one external command and times it: wall clock from performance.now()
// around a synchronous spawn, so every tool pays the same spawn overhead.
// Throws CommandError (with the stderr tail) on a non-zero exit or a timeout.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { performance } from "node:perf_hooks";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command (SIGKILL) after this long; default 30 minutes. */
  timeoutMs?: number;
  /** Exit codes that are not failures besides 0. */
  okCodes?: number[];
  /**
   * Send stdout to this file (read back into `stdout`, then removed) instead
   * of a pipe: dist/calf 0.1.0 cuts large -o json output short on a pipe.
   */
  stdoutFile?: string;
}

export interface Ran {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly argv: string[],
    readonly code: number | null,
    readonly stderrTail: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** Runs argv (no shell) and returns its wall time in ms and its output. */
export function run(argv: string[], opts: RunOptions = {}): Ran {
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fd = opts.stdoutFile ? fs.openSync(opts.stdoutFile, "w") : null;
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    timeout,
    killSignal: "SIGKILL",
    maxBuffer: 512 * 1024 * 1024,
    stdio: ["ignore", fd ?? "pipe", "pipe"],
  });
  const ms = performance.now() - t0;
  let stdout = r.stdout?.toString() ?? "";
  if (fd !== null) {
    fs.closeSync(fd);
    stdout = fs.readFileSync(opts.stdoutFile!, "utf8");
    fs.rmSync(opts.stdoutFile!, { force: true });
  }
  const stderr = r.stderr?.toString() ?? "";
  const tail = stderr.trim().split("\n").slice(-5).join(" | ");
  const shown = argv.map((a) => (a.length > 80 ? a.slice(0, 77) + "..." : a)).join(" ");
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") {
    throw new CommandError(`timed out after ${Math.round(timeout / 1000)} s: ${shown}`, argv, null, tail);
  }
  if (r.error) throw new CommandError(`could not run "${shown}": ${r.error.message}`, argv, null, tail);
  const code = r.status ?? -1;
  if (code !== 0 && !(opts.okCodes ?? []).includes(code)) {
    const why = r.signal ? `killed by ${r.signal}` : `exit ${code}`;
    throw new CommandError(`"${shown}" failed (${why})${tail ? `: ${tail}` : ""}`, argv, code, tail);
  }
  return { ms, code, stdout, stderr };
}

/** `sh -c SCRIPT _ ARGS...`: for pipelines and loops; positional args avoid quoting. */
export function sh(script: string, args: string[] = [], opts: RunOptions = {}): Ran {
  return run(["sh", "-c", script, "_", ...args], opts);
}

/** Flushes dirty pages so one measurement does not pay for the previous one's writeback. */
export function settle(): void {
  spawnSync("sync");
}

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** First line of `argv`'s output, or null when the tool is not installed. */
export function versionOf(argv: string[]): string | null {
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  if (r.error || r.status !== 0) return null;
  const text = (r.stdout.toString() || r.stderr.toString()).trim();
  return text.split("\n")[0] ?? null;
}

/** Whether `name` is an executable on PATH. */
export function which(name: string): string | null {
  const r = spawnSync("sh", ["-c", 'command -v "$1"', "_", name], { stdio: ["ignore", "pipe", "ignore"] });
  const p = r.stdout?.toString().trim();
  return r.status === 0 && p ? p : null;
}
