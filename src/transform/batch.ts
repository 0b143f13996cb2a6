// Datum batching (`datum_batching: true`; README "Datum batching"): one
// transform process per worker slot serves datum after datum. calf starts it
// through the slot (sandboxed or not) with CALF_DATUMS and CALF_ANSWERS in
// its environment; per datum it puts the inputs in /pfs, empties /pfs/out,
// writes one line (batchline.ts) and waits for `ok` or `fail <reason>`. The
// per-datum rules stay: a datum_timeout or a stop ends the process (the next
// datum gets a new one), a process that dies fails only the datum in flight,
// and its output between two answers goes to the datum in flight's log.
import type { Stream, LogSink } from "./logs.ts";
import { BatchFifos } from "./batchfifo.ts";
import { BatchLineError, datumLine, lineVars, parseAnswer } from "./batchline.ts";
import type { Owner } from "./orphans.ts";
import type { Slot } from "./slot.ts";
import { KILL_GRACE_MS, type Ended } from "./stop.ts";
import type { Runtime } from "../../runtime/types.ts";

/** How the batch process is started: the transform, with the job's environment (no datum's). */
export interface BatchCommand {
  argv: string[];
  stdin?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  owner: Owner;
  /** The job's stop: ends the process. */
  signal: AbortSignal;
}

/** One datum's attempt: its id and its full environment (as an unbatched attempt would get it). */
export interface BatchAttempt {
  id: string;
  env: Record<string, string>;
  log: LogSink;
  timeoutMs?: number;
}

interface Running {
  ended: Promise<Ended>;
  /** Set once it ended (or could not start). */
  result: Ended | Error | null;
  stop: AbortController;
  /** Datums answered. */
  served: number;
}

const POKE_MS = 5;

export class BatchProcess {
  readonly #fifos: BatchFifos;
  readonly #sink = new SwitchSink();
  #proc: Running | null = null;
  /** Names earlier lines carried, for this process (lineVars). */
  #sent = new Set<string>();

  constructor(private readonly slot: Slot & { channel: { host: string; inside: string } }, private readonly cmd: BatchCommand, rt: Pick<Runtime, "mkfifo" | "setPipeSize" | "watchFifo">) {
    this.#fifos = new BatchFifos(slot.channel.host, rt);
  }

  /** Whether `slot` can run a batch process (a remote slot may not). */
  static fits(slot: Slot): slot is Slot & { channel: { host: string; inside: string } } {
    return slot.channel !== undefined;
  }

  /** Runs one attempt of a datum whose inputs are in place and whose /pfs/out is empty: null when it answered ok, else why not. */
  async attempt(a: BatchAttempt): Promise<string | null> {
    for (let round = 0; ; round++) {
      if (this.#proc?.result) this.#proc = null; // it ended between datums
      if (this.#proc && this.#fifos.pending()) {
        a.log.line("calf", "the batch process answered when no datum was in flight: it is stopped, and this datum goes to a new one");
        await this.stop({ polite: false });
      }
      const proc = this.#proc ?? this.#start();
      let line: string;
      try {
        line = datumLine(a.id, lineVars(a.env, this.cmd.env, this.#sent));
      } catch (err) {
        if (err instanceof BatchLineError) return `datum batching: ${err.message}`;
        throw err;
      }
      this.#fifos.unread(); // bytes no datum line of ours: a transform may write there
      this.#sink.to(a.log);
      const got = await this.#answer(proc, line, a.timeoutMs);
      this.slot.drainLogs?.();
      this.#sink.to(null);
      if (got.kind === "answer") {
        const answer = parseAnswer(got.line);
        if (answer.kind === "ok") return (proc.served++, null);
        if (answer.kind === "fail") return (proc.served++, answer.reason);
        await this.stop({ polite: false });
        return answer.reason;
      }
      if (got.kind === "timeout" || got.kind === "stopped") {
        await this.stop({ polite: false });
        return got.kind === "timeout" ? `timed out after ${a.timeoutMs} ms` : "job was killed";
      }
      // The process ended with this datum in flight.
      this.#proc = null;
      const unread = this.#fifos.unread() !== "";
      // A process that served datums and then exited before reading this one: the line goes to a new process, no try spent.
      if (unread && proc.served > 0 && round === 0) continue;
      return `the batch process ${describe(got.ended)} ${unread ? "without reading the datum (it must read $CALF_DATUMS)" : "before answering"}`;
    }
  }

  /**
   * Ends the process, if one runs: politely, end of file on its datums FIFO
   * first and SIGTERM only after KILL_GRACE_MS; else SIGTERM at once. SIGKILL
   * follows a SIGTERM after the grace period (stop.ts). The next attempt
   * starts a new process.
   */
  async stop(opts: { polite: boolean } = { polite: true }): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (!proc) return;
    if (!proc.result) {
      let poke: ReturnType<typeof setInterval> | undefined;
      let grace: ReturnType<typeof setTimeout> | undefined;
      if (opts.polite) {
        this.#fifos.endDatums();
        poke = setInterval(() => this.#fifos.poke(), POKE_MS);
        grace = setTimeout(() => proc.stop.abort(), KILL_GRACE_MS);
      } else proc.stop.abort();
      await proc.ended.catch(() => {});
      clearInterval(poke);
      clearTimeout(grace);
    }
    this.#fifos.renew();
  }

  /** Stops the process (politely) and lets go of the FIFOs. */
  async close(): Promise<void> {
    await this.stop();
    this.#fifos.close();
  }

  #start(): Running {
    this.#fifos.clear();
    this.#fifos.unread();
    this.#sent = new Set();
    const stop = new AbortController();
    const inside = this.slot.channel.inside;
    const ended = this.slot.run({
      argv: this.cmd.argv, stdin: this.cmd.stdin, cwd: this.cmd.cwd, owner: this.cmd.owner, log: this.#sink,
      env: { ...this.cmd.env, CALF_DATUMS: `${inside}/datums`, CALF_ANSWERS: `${inside}/answers` },
      signal: AbortSignal.any([stop.signal, this.cmd.signal]),
    });
    const proc: Running = { ended, result: null, stop, served: 0 };
    proc.ended = ended.then(
      (r) => (proc.result = r),
      (err: Error) => {
        proc.result = err;
        throw err;
      },
    );
    proc.ended.catch(() => {}); // seen by #answer(), or by nobody when it failed between datums
    this.#proc = proc;
    return proc;
  }

  /**
   * Sends the datum's line and waits for the answer, or tells why none came:
   * the process ended, the timeout passed, the job stopped — while the line
   * is still being written too (a transform may fill the datums FIFO itself
   * and never read it). A slot that failed throws.
   */
  async #answer(proc: Running, line: string, timeoutMs: number | undefined): Promise<
    { kind: "answer"; line: string } | { kind: "ended"; ended: Ended } | { kind: "timeout" } | { kind: "stopped" }
  > {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    let over = false;
    try {
      return await Promise.race([
        this.#fifos.send(line, () => over)
          .then(() => (over ? new Promise<never>(() => {}) : this.#fifos.next()))
          .then((answer) => ({ kind: "answer" as const, line: answer })),
        proc.ended.then((ended) => ({ kind: "ended" as const, ended })),
        new Promise<{ kind: "timeout" }>((resolve) => {
          if (timeoutMs !== undefined) timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutMs);
        }),
        new Promise<{ kind: "stopped" }>((resolve) => {
          onAbort = () => resolve({ kind: "stopped" });
          if (this.cmd.signal.aborted) onAbort();
          else this.cmd.signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
    } finally {
      over = true;
      this.#fifos.cancel();
      clearTimeout(timer);
      if (onAbort) this.cmd.signal.removeEventListener("abort", onAbort);
    }
  }
}

function describe(r: Ended): string {
  return r.exitCode === null ? `was killed by ${r.signal ?? "a signal"}` : `exited (exit ${r.exitCode})`;
}

/**
 * The batch process's one log sink, pointed at the datum in flight's log;
 * what it writes between datums waits for the next one's (up to a bound).
 */
class SwitchSink implements LogSink {
  #target: LogSink | null = null;
  #held: [Stream, string][] = [];

  to(target: LogSink | null): void {
    this.#target = target;
    if (!target) return;
    for (const [s, t] of this.#held) target.line(s, t);
    this.#held = [];
  }

  line(stream: Stream, text: string): void {
    if (this.#target) this.#target.line(stream, text);
    else if (this.#held.length < 1000) this.#held.push([stream, text]);
  }

  flush(): void {
    this.#target?.flush();
  }

  tail(): string {
    return this.#target?.tail() ?? "";
  }

  close(): void {}
}
