// Peak resident memory of one command: GNU time's %M (ru_maxrss, KiB) when
// /usr/bin/time is GNU time, else polling /proc/PID/status (VmHWM) every
// 5 ms, which can miss a peak shorter than that. The table says which.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { run, type RunOptions } from "./measure.ts";

const GNU_TIME = "/usr/bin/time";

function hasGnuTime(): boolean {
  const r = spawnSync(GNU_TIME, ["--version"], { stdio: ["ignore", "pipe", "pipe"] });
  return !r.error && /GNU/.test(`${r.stdout}${r.stderr}`);
}

const gnu = hasGnuTime();

export const RSS_TOOL = gnu ? "GNU time (/usr/bin/time -f %M)" : "/proc/PID/status VmHWM, polled every 5 ms";

export interface Measured {
  ms: number;
  stdout: string;
  peakKiB: number;
}

export async function runWithPeakRss(argv: string[], opts: RunOptions = {}): Promise<Measured> {
  if (gnu) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "calf-bench-")), "rss");
    try {
      const r = run([GNU_TIME, "-f", "%M", "-o", out, ...argv], opts);
      return { ms: r.ms, stdout: r.stdout, peakKiB: Number(fs.readFileSync(out, "utf8").trim().split("\n").pop()) };
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  }
  return pollProc(argv, opts);
}

function vmHwm(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function pollProc(argv: string[], opts: RunOptions): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const fd = opts.stdoutFile ? fs.openSync(opts.stdoutFile, "w") : null;
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", fd ?? "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let errTail = "";
    let peak = 0;
    child.stdout?.on("data", (c: Buffer) => chunks.push(c));
    child.stderr?.on("data", (c: Buffer) => (errTail = (errTail + c.toString()).slice(-2000)));
    const timer = setInterval(() => (peak = Math.max(peak, vmHwm(child.pid!))), 5);
    child.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearInterval(timer);
      const ms = performance.now() - t0;
      if (fd !== null) {
        fs.closeSync(fd);
        chunks.push(fs.readFileSync(opts.stdoutFile!));
        fs.rmSync(opts.stdoutFile!, { force: true });
      }
      if (code !== 0) reject(new Error(`"${argv.join(" ")}" failed (exit ${code}): ${errTail.trim()}`));
      else resolve({ ms, stdout: Buffer.concat(chunks).toString(), peakKiB: peak });
    });
  });
}
