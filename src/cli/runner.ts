// What every runner command (run, run --once, serve) starts with: the stop
// signals (SIGTERM/SIGINT abort with a Stopped reason that jobs record), the
// terminal observer, the dead-job sweep, the leftovers of dead writers; and the service loop woken by data
// commands and spec changes.
import type { App } from "../app.ts";
import { CalfError } from "../errors.ts";
import { everyone, killOrphans } from "../transform/orphans.ts";
import { fanOut, type RunObserver } from "../observe.ts";
import { terminalObserver } from "../run/progress.ts";
import { runForever, startRunner } from "../run/scheduler.ts";
import { Waker } from "../wake.ts";
import { reclaimAtStart } from "../ops/gc.ts";
import { humanBytes } from "./output.ts";
import type { LeaseQueue } from "../run/leases.ts";

/** The abort reason of a stop by signal: jobs record its message. */
export class Stopped extends Error {
  constructor(readonly signal: "SIGTERM" | "SIGINT") {
    super(`stopped by ${signal}`);
    this.name = "Stopped";
  }
}

export interface RunnerSession {
  /** Aborts (with a Stopped reason) on SIGTERM/SIGINT. */
  signal: AbortSignal;
  observer: RunObserver;
  close(): Promise<void>;
}

/** Signals, the terminal observer (plus `extra`), and the dead-job sweep: what every runner command starts with. */
export async function openRunner(app: App, extra: RunObserver[] = []): Promise<RunnerSession> {
  const stop = new AbortController();
  // Another runner took this one's database lease over (it stalled past the ttl): stop at once, exit 75.
  if (app.lease) app.lease.onLost = () => stop.abort(app.lease!.lost);
  const off = (["SIGTERM", "SIGINT"] as const).map((sig) => app.rt.onSignal(sig, () => stop.abort(new Stopped(sig))));
  const err = app.out.stderr;
  const observer = fanOut(terminalObserver({ write: err.write, tty: err.tty, quiet: app.out.quiet, columns: err.columns, clock: app.clock }), ...extra);
  const dead = await startRunner(app);
  reportReclaimed(app, await reclaimAtStart(app)); // what killed or failed writers left (ops/gc.ts)
  if (dead.length) app.out.info(`calf: marked ${dead.length} job${dead.length === 1 ? "" : "s"} a dead runner left running as killed; their finished datums will be skipped`);
  return {
    signal: stop.signal,
    observer,
    async close() {
      off.forEach((f) => f());
      await killOrphans(app.rt, everyone); // nothing a transform started outlives the runner
      await app.lease?.release();
    },
  };
}

/** Says what a runner's start removed of a previous run's leftovers (nothing when there were none). */
function reportReclaimed(app: App, r: Awaited<ReturnType<typeof reclaimAtStart>>): void {
  if (!r.files && !r.scratch && !r.restored) return;
  const parts = [r.files ? `${r.files} temp file${r.files === 1 ? "" : "s"}` : "", r.scratch ? `${r.scratch} scratch folder${r.scratch === 1 ? "" : "s"}` : ""].filter(Boolean);
  if (parts.length) app.out.info(`calf: removed ${parts.join(" and ")} (${humanBytes(r.bytes)}) left by a calf that was killed or failed`);
  if (r.restored) app.out.info(`calf: put back ${r.restored} object${r.restored === 1 ? "" : "s"} a killed gc had moved aside`);
}

/** The service loop shared by `run` and `serve`: a pass at each wake-up until stopped. */
export async function serviceLoop(app: App, s: RunnerSession, opts: { names: string[]; reprocess: boolean; parallelism?: number; waker?: Waker; onPass?: () => Promise<void>; queue?: LeaseQueue; localSlots?: number }): Promise<void> {
  const waker = opts.waker ?? new Waker(app.clock, { dataDir: app.settings.dataDir, folders: [app.settings.pipelinesDir] });
  try {
    await runForever(app, { ...opts, observer: s.observer, signal: s.signal, waker, onError: (err) => app.out.warn(`calf: ${(err as Error).message}`) });
    if (s.signal.reason instanceof CalfError) throw s.signal.reason; // the runner lease was lost
  } finally {
    waker.close();
  }
}

