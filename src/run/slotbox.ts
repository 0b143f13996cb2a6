// A worker slot's sandbox: one bwrap started at the slot's first datum and
// reused for every later one (see sandbox.ts for what runs inside). The host
// side of the conversation: write the job script, say "go", wait for the exit
// status. A timeout or a stop sends SIGTERM to the datum's processes, and
// SIGKILL to the whole sandbox if they are not gone after the grace period
// (the next datum then starts a new one).
import * as fs from "node:fs";
import * as path from "node:path";
import type { LineChild, Runtime, SpawnResult } from "../../runtime/types.ts";
import { boxArgv, jobScript, statusOf, type RootEntry } from "./sandbox.ts";

export interface Attempt {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stdin?: string;
  timeoutMs?: number;
  signal: AbortSignal;
}

/** How long a stopped or timed-out transform gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

export class SlotBox {
  readonly pfsDir: string;
  readonly outDir: string;
  readonly channelDir: string;
  /** The host path of the attempt's combined stdout/stderr. */
  readonly logFile: string;
  #child: LineChild | null = null;

  constructor(
    private readonly rt: Runtime,
    private readonly sandbox: { root: RootEntry[]; keep: string[] },
    scratch: string,
  ) {
    this.pfsDir = path.join(scratch, "pfs");
    this.outDir = path.join(this.pfsDir, "out");
    this.channelDir = path.join(scratch, "channel");
    this.logFile = path.join(this.channelDir, "log");
    fs.mkdirSync(this.outDir, { recursive: true });
    fs.mkdirSync(this.channelDir, { recursive: true });
  }

  /** Runs one attempt; throws when the sandbox itself failed (its stderr says why). */
  async run(a: Attempt): Promise<SpawnResult> {
    const inPfs = a.cwd === "/pfs" || a.cwd.startsWith("/pfs/"); // exists only inside the sandbox
    if (!inPfs && !fs.statSync(a.cwd, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`working directory "${a.cwd}" does not exist`);
    }
    fs.writeFileSync(path.join(this.channelDir, "job"), jobScript({ argv: a.argv, env: a.env, cwd: a.cwd, stdin: a.stdin !== undefined }));
    if (a.stdin !== undefined) fs.writeFileSync(path.join(this.channelDir, "stdin"), a.stdin);
    const child = this.#start();
    child.send("go");

    // A timeout or stop sends SIGTERM to the runner's process group: the datum's
    // processes (the runner, PID 1, ignores it); SIGKILL to the sandbox after the grace.
    let timedOut = false;
    let stopped = false;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const end = () => {
      if (grace) return;
      const runner = childOf(child.pid);
      if (runner) this.rt.signalGroup(runner, "SIGTERM");
      else child.kill("SIGKILL");
      grace = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    };
    const onAbort = () => ((stopped = true), end());
    const timer = a.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), end()), a.timeoutMs);
    a.signal.addEventListener("abort", onAbort, { once: true });
    if (a.signal.aborted) onAbort();
    try {
      const answer = await child.receive();
      if (answer !== null) return { ...statusOf(answer), timedOut };
      // The sandbox is gone: killed after the grace, or it died (bwrap could not start it).
      this.#child = null;
      const done = await child.done;
      if (timedOut || stopped) return { exitCode: null, signal: "SIGKILL", timedOut };
      const why = fs.readFileSync(path.join(this.channelDir, "stderr"), "utf8").trim().split("\n").slice(-3).join("; ");
      throw new Error(`the datum's sandbox ended (${done.signal ?? `exit ${done.exitCode}`})${why ? `: ${why}` : ""}`);
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
      a.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Ends the sandbox: the runner sees end of input and exits; SIGKILL if it does not. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    child.end();
    const t = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    await child.done;
    clearTimeout(t);
  }

  #start(): LineChild {
    this.#child ??= this.rt.spawnLines({
      argv: boxArgv({ ...this.sandbox, pfsDir: this.pfsDir, outDir: this.outDir, channelDir: this.channelDir }),
      cwd: "/", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, stderrFile: path.join(this.channelDir, "stderr"),
    });
    return this.#child;
  }
}

/** The first child of `pid` (bwrap's one child is the runner), or null when it has none or /proc cannot say. */
function childOf(pid: number): number | null {
  try {
    const first = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0];
    return first ? Number(first) : null;
  } catch {
    return null;
  }
}
