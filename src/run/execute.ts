// The execute phase of a job: the datums to process, `parallelism` at a time,
// each on a worker slot (transform/launch.ts) that runs datum after datum;
// each success recorded (recorder.ts) as soon as it is durable. A job_timeout
// or the caller's signal stops every slot (transform/stop.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { forEachLimit } from "../repo/files.ts";
import { openSlot } from "../transform/launch.ts";
import { jobOwner, killOrphans } from "../transform/orphans.ts";
import type { Slot } from "../transform/slot.ts";
import type { JobRow } from "../db/queries/jobs.ts";
import type { BatchProcess } from "../transform/batch.ts";
import { batchFor } from "./batching.ts";
import type { JobContext } from "./context.ts";
import { datumRow, runDatum, type DatumOutcome } from "./datum.ts";
import type { PlanItem } from "./items.ts";
import { ResultRecorder } from "./recorder.ts";
import { Tally } from "./tally.ts";

export interface Executed {
  /** Outcomes by datum id; a datum that never ran (the job was stopped) has none. */
  outcomes: Map<string, DatumOutcome>;
  /** Why results could not be recorded, if so (the job then fails). */
  recordError: Error | null;
  /** Stopped: by job_timeout (`timedOut`) or the caller's signal. */
  stopped: boolean;
  timedOut: boolean;
  runMs: number;
}

/** Runs `toRun` (the job's items to process); `job` is the job's row as started (counts grow from it). */
export async function executeDatums(ctx: JobContext, toRun: PlanItem[], job: JobRow): Promise<Executed> {
  const { app, spec } = ctx;
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  ctx.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (ctx.signal?.aborted) abort.abort();
  let timedOut = false;
  const timer = spec.jobTimeoutMs ? setTimeout(() => ((timedOut = true), abort.abort()), spec.jobTimeoutMs) : null;
  const outcomes = new Map<string, DatumOutcome>();
  const recorder = new ResultRecorder(app, ctx.pipeline.name, ctx.jobId);
  const tally = new Tally(app, job, ctx.observer);
  let recordError: Error | null = null;
  fs.mkdirSync(ctx.logDir, { recursive: true });
  // One worker slot each (a sandbox started at its first datum and reused: transform/boxslot.ts).
  const slots = new Map<number, Slot>();
  const slotDir = (slot: number) => path.join(ctx.scratchDir, String(slot));
  const slotOf = (slot: number) => {
    let s = slots.get(slot);
    if (!s) slots.set(slot, (s = openSlot(app.rt, ctx.sandbox, slotDir(slot))));
    return s;
  };
  // datum_batching: a batch process per slot (run/batching.ts), undefined when not batched.
  const batches = new Map<number, BatchProcess | undefined>();
  const batchOf = (slot: number) => {
    if (!batches.has(slot)) batches.set(slot, batchFor({ ...ctx, rt: ctx.app.rt }, slotOf(slot), abort.signal));
    return batches.get(slot);
  };
  const t0 = performance.now();
  try {
    const runOne = async (item: PlanItem, slot: number): Promise<DatumOutcome | null> => {
      if (abort.signal.aborted) return null;
      let outcome: DatumOutcome;
      try {
        outcome = await runDatum({
          store: app.store, loader: app.repos.trees, spec, jobId: ctx.jobId, outputCommit: ctx.outputCommit,
          slot: slotOf(slot), scratch: slotDir(slot), logDir: ctx.logDir, now: app.now, baseEnv: ctx.env, signal: abort.signal,
          batch: batchOf(slot),
        }, item.datum!);
      } catch (err) {
        // e.g. the command cannot be started: this datum fails, the job goes on and ends properly.
        outcome = { state: "failed", outputs: [], tries: 1, durationMs: 0, reason: (err as Error).message };
      }
      // Cut short by the stop: neither failed nor done; the next job runs it again.
      return abort.signal.aborted && outcome.state !== "success" ? null : outcome;
    };
    const settle = (item: PlanItem, outcome: DatumOutcome) => {
      outcomes.set(item.id, outcome);
      if (outcome.state === "success") recorder.add({ hash: item.hash, datum: item.id, outputs: outcome.outputs });
      tally.add(outcome.state, outcome.worker);
      ctx.observer.datumFinished?.(tally.job, datumRow(ctx.jobId, 0, item, outcome));
    };
    // With remote workers (serve --local-slots N), the queue hands datums to both (run/leases.ts).
    if (ctx.queue) await ctx.queue.run({ id: ctx.jobId, spec, outputCommit: ctx.outputCommit }, toRun, { localSlots: ctx.localSlots ?? ctx.parallelism, runLocal: runOne, settle, signal: abort.signal });
    else {
      await forEachLimit(toRun, ctx.parallelism, async (item, _i, slot) => {
        const outcome = await runOne(item, slot);
        if (outcome) settle(item, outcome);
      });
    }
    await recorder.drain().catch((err) => {
      recordError = err as Error;
    });
  } finally {
    await tally.close();
    if (timer) clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onOuterAbort);
    await Promise.all([...batches.values()].map((b) => b?.close()));
    await Promise.all([...slots.values()].map((s) => s.close()));
    await killOrphans(app.rt, jobOwner(ctx.jobId));
    fs.rmSync(ctx.scratchDir, { recursive: true, force: true });
  }
  return { outcomes, recordError, stopped: abort.signal.aborted, timedOut, runMs: performance.now() - t0 };
}
