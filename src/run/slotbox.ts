// A worker slot's sandbox: one bwrap started at the slot's first datum and
// reused for every later one (see sandbox.ts for what runs inside). The host
// side of the conversation: write the job script, say "go", wait for the exit
// status; on a timeout or a stop, kill the whole sandbox and start a new one
// for the next datum.
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
    if (!a.cwd.startsWith("/pfs/") && !fs.statSync(a.cwd, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`working directory "${a.cwd}" does not exist`);
    }
    fs.writeFileSync(path.join(this.channelDir, "job"), jobScript({ argv: a.argv, env: a.env, cwd: a.cwd, stdin: a.stdin !== undefined }));
    if (a.stdin !== undefined) fs.writeFileSync(path.join(this.channelDir, "stdin"), a.stdin);
    const child = this.#start();
    child.send("go");

    let timedOut = false;
    let stopped = false;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const end = () => {
      child.kill("SIGTERM");
      grace = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    };
    const onAbort = () => ((stopped = true), end());
    const timer = a.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), end()), a.timeoutMs);
    a.signal.addEventListener("abort", onAbort, { once: true });
    if (a.signal.aborted) onAbort();
    try {
      const answer = await child.receive();
      if (answer !== null && !timedOut && !stopped) return { ...statusOf(answer), timedOut: false };
      // The sandbox is gone: killed here, or it died (a transform may kill its runner).
      this.#child = null;
      const done = await child.done;
      if (timedOut || stopped) return { exitCode: null, signal: "SIGTERM", timedOut };
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
