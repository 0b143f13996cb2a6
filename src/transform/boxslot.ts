// A slot in the sandbox: one bwrap started at the slot's first attempt and
// reused for every later one (see sandbox.ts for what runs inside). The host
// side of the conversation: write the job script, say "go", move the output
// into the attempt's log, wait for the exit status. Stopping (stop.ts) sends
// SIGTERM to the attempt's processes and SIGKILL to the whole sandbox after
// the grace period (the next attempt then starts a new one). An attempt with
// `binds` (a datum too big to copy) runs in a sandbox of its own.
import * as fs from "node:fs";
import * as path from "node:path";
import type { LineChild, Runtime } from "../../runtime/types.ts";
import { LogTap } from "./logtap.ts";
import { boxArgv, jobScript, statusOf, type Bind, type SandboxPlan } from "./sandbox.ts";
import type { Attempt, Slot } from "./slot.ts";
import { KILL_GRACE_MS, supervise, type Ended } from "./stop.ts";

export class BoxSlot implements Slot {
  readonly sandboxed = true;
  readonly pfsRoot = "/pfs";
  readonly channelDir: string;
  /** The transform's stdout and stderr: FIFOs in the channel folder. */
  readonly #tap: LogTap;
  /** bwrap's own stderr (why a sandbox could not start); outside the channel. */
  readonly #stderrFile: string;
  #child: LineChild | null = null;
  /** The binds the running sandbox was started with ("" = the slot's folder). */
  #bindsKey = "";

  constructor(
    private readonly rt: Runtime,
    private readonly plan: SandboxPlan,
    dir: string,
    readonly pfsDir: string,
    readonly outDir: string,
  ) {
    this.channelDir = path.join(dir, "channel");
    this.#stderrFile = path.join(dir, "bwrap.err");
    fs.mkdirSync(this.channelDir, { recursive: true });
    this.#tap = new LogTap(this.channelDir, rt);
  }

  /** Inside the sandbox /pfs is /pfs: nothing to rewrite. */
  fix(text: string): string {
    return text;
  }

  async run(a: Attempt): Promise<Ended> {
    const inPfs = a.cwd === "/pfs" || a.cwd.startsWith("/pfs/"); // exists only inside the sandbox
    if (!inPfs && !fs.statSync(a.cwd, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`working directory "${a.cwd}" does not exist`);
    }
    // The host's TMPDIR (a systemd StateDirectory, a test's folder) is missing or read-only in here: /tmp is the sandbox's own.
    const env = a.env.TMPDIR === undefined ? a.env : { ...a.env, TMPDIR: "/tmp" };
    writeFresh(path.join(this.channelDir, "job"), jobScript({ argv: a.argv, env, cwd: a.cwd, stdin: a.stdin !== undefined }));
    if (a.stdin !== undefined) writeFresh(path.join(this.channelDir, "stdin"), a.stdin);
    const child = await this.#start(a.binds);
    this.#tap.begin(a.log);
    child.send("go");
    let stopping = false;
    const done = (async () => {
      const answer = await child.receive();
      if (answer !== null) return statusOf(answer);
      // The sandbox is gone: killed after the grace period, or it died (bwrap could not start it).
      this.#child = null;
      const end = await child.done;
      if (stopping) return { exitCode: null, signal: "SIGKILL" };
      const why = fs.readFileSync(this.#stderrFile, "utf8").trim().split("\n").slice(-3).join("; ");
      throw new Error(`the datum's sandbox ended (${end.signal ?? `exit ${end.exitCode}`})${why ? `: ${why}` : ""}`);
    })();
    // SIGTERM reaches the attempt's processes through the runner's process group
    // (the runner, PID 1, ignores it); SIGKILL ends the whole sandbox.
    const stop = {
      term: () => {
        stopping = true;
        const runner = childOf(child.pid);
        if (runner) this.rt.signalGroup(runner, "SIGTERM");
        else child.kill("SIGKILL");
      },
      kill: () => child.kill("SIGKILL"),
    };
    try {
      return await supervise(stop, done, a);
    } finally {
      await this.#tap.end();
    }
  }

  /** Ends the sandbox: the runner sees end of input and exits; SIGKILL if it does not. */
  async close(): Promise<void> {
    await this.#stop();
    this.#tap.close();
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    child.end();
    const t = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    await child.done;
    clearTimeout(t);
  }

  /** The running sandbox if it has these binds, else a new one (the old one is ended first). */
  async #start(binds: Bind[] | undefined): Promise<LineChild> {
    const key = binds ? JSON.stringify(binds) : "";
    if (this.#child && key !== this.#bindsKey) await this.#stop();
    this.#bindsKey = key;
    this.#child ??= this.rt.spawnLines({
      argv: boxArgv({ plan: this.plan, pfsDir: this.pfsDir, outDir: this.outDir, channelDir: this.channelDir, binds }),
      cwd: "/", env: { PATH: this.plan.path }, stderrFile: this.#stderrFile,
    });
    return this.#child;
  }
}

/**
 * Writes `text` to a new file at `file`, replacing whatever is there without
 * following it: the channel folder is read-only to the sandbox, and even if a
 * transform could plant a symlink there, calf would not write through it.
 */
function writeFresh(file: string, text: string): void {
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
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
