// Runs one datum on a worker slot: up to `datum_tries` attempts of the
// transform, each with a fresh /pfs/out, then err_cmd after the last failure.
// Returns the outputs of the successful attempt; nothing of a failed attempt
// is kept.
import * as fs from "node:fs";
import * as path from "node:path";
import type { DatumRow } from "../db/queries/jobs.ts";
import type { Datum } from "../plan/types.ts";
import type { PlanItem } from "./items.ts";
import type { NodeLoader } from "../repo/tree.ts";
import type { PipelineSpec } from "../spec/types.ts";
import type { ObjectStore } from "../store/types.ts";
import { transformEnv } from "../transform/env.ts";
import { AttemptLog } from "../transform/logs.ts";
import { cleanUp, keepTopLevel, materialize, materializeMode, type Materialized } from "../transform/materialize.ts";
import { datumOwner } from "../transform/orphans.ts";
import { collectOutputs, type OutputFile } from "../transform/outputs.ts";
import type { BatchProcess } from "../transform/batch.ts";
import { InputRecycler } from "../transform/recycle.ts";
import type { Slot } from "../transform/slot.ts";
import type { Ended } from "../transform/stop.ts";

export interface DatumContext {
  store: ObjectStore;
  loader: NodeLoader;
  spec: PipelineSpec;
  jobId: string;
  outputCommit: string;
  /** The worker slot, reused datum after datum (left empty of inputs and outputs). */
  slot: Slot;
  /** A private folder of the slot's for copies (large directory datums) and the empty file. */
  scratch: string;
  logDir: string;
  now: () => Date;
  baseEnv: Record<string, string | undefined>;
  signal: AbortSignal;
  /** datum_batching: the slot's batch process serves the attempts (transform/batch.ts). */
  batch?: BatchProcess;
}

export interface DatumOutcome {
  state: "success" | "failed" | "recovered";
  outputs: OutputFile[];
  tries: number;
  durationMs: number;
  reason: string | null;
  /** The remote worker that ran it (run/leases.ts); absent: this process's own slot. */
  worker?: string;
}

export async function runDatum(ctx: DatumContext, datum: Datum): Promise<DatumOutcome> {
  const started = performance.now();
  const { spec, slot } = ctx;
  const outcome = (state: DatumOutcome["state"], tries: number, reason: string | null, outputs: OutputFile[] = []): DatumOutcome =>
    ({ state, outputs, tries, durationMs: performance.now() - started, reason });
  let created: Materialized["created"] | null = null;
  // A batch process sees the slot's /pfs folder: never a sandbox of binds of its own.
  const mode = ctx.batch ? "copy" : materializeMode(datum.inputs, slot.sandboxed);
  keepTopLevel(slot.pfsDir, new Set(datum.inputs.map((i) => i.name)));
  try {
    const m = await materialize({ store: ctx.store, loader: ctx.loader, inputs: datum.inputs, mode, pfsDir: slot.pfsDir, scratch: ctx.scratch, recycler: recyclerOf(ctx) });
    created = m.created;
    const env = transformEnv({
      base: ctx.baseEnv, transformEnv: spec.transform.env, pfsRoot: slot.pfsRoot, inputs: datum.inputs,
      pipeline: spec.name, jobId: ctx.jobId, datumId: datum.id, outputCommit: ctx.outputCommit,
    });
    const launch = (argv: string[], stdin: string[] | undefined, log: AttemptLog): Promise<Ended> => slot.run({
      argv: argv.map((a) => slot.fix(a)), cwd: spec.transform.workingDir, env,
      stdin: stdin ? stdin.map((s) => slot.fix(s)).join("\n") + "\n" : undefined,
      timeoutMs: spec.datumTimeoutMs ?? undefined, signal: ctx.signal, log,
      binds: m.mode === "binds" ? m.binds : undefined, owner: datumOwner(ctx.jobId, datum.id),
    });
    const logOf = (attempt: number | string) => new AttemptLog(path.join(ctx.logDir, `${datum.id}.${attempt}.log`), ctx.now);
    let reason = "";
    let tries = 0;
    for (let attempt = 1; attempt <= spec.datumTries && !ctx.signal.aborted; attempt++) {
      tries = attempt;
      emptyDir(slot.outDir);
      const log = logOf(attempt);
      try {
        const failed = ctx.batch
          ? await ctx.batch.attempt({ id: datum.id, env, log, timeoutMs: spec.datumTimeoutMs ?? undefined })
          : whyFailed(await launch(spec.transform.cmd, spec.transform.stdin, log), spec);
        if (failed !== null) {
          reason = failed + log.tail();
          continue;
        }
        try {
          // A batch process runs on while its outputs are collected (outputs.ts): they are copied, then removed.
          const live = ctx.batch !== undefined;
          const outputs = await collectOutputs(ctx.store, slot.outDir, (p) => m.files.get(p) ?? null, slot.sandboxed ? undefined : slot.pfsDir, { live });
          if (live || outputs.some((o) => o.path.indexOf("/", 1) > 0)) emptyDir(slot.outDir); // files were moved out; only subfolders can remain
          return outcome("success", tries, null, outputs);
        } catch (err) {
          // A refused output (a link out of /pfs, a FIFO), or one calf could not store (disk full): the attempt failed.
          reason = (err as Error).message;
          log.line("calf", reason);
        }
      } finally {
        log.close();
      }
    }
    emptyDir(slot.outDir);
    if (ctx.signal.aborted) return outcome("failed", tries, "job was killed");
    if (spec.transform.errCmd) {
      await ctx.batch?.stop(); // err_cmd runs on the slot by itself
      const log = logOf("err_cmd");
      try {
        const res = await launch(spec.transform.errCmd, spec.transform.errStdin, log);
        if (res.exitCode === 0) return outcome("recovered", tries, reason);
      } finally {
        log.close();
      }
    }
    return outcome("failed", tries, reason);
  } finally {
    if (created) cleanUp(created, recyclerOf(ctx));
  }
}

/** The slot's input recycler (transform/recycle.ts), its spares beside /pfs in the slot's folder. */
const recyclers = new WeakMap<Slot, InputRecycler>();
function recyclerOf(ctx: DatumContext): InputRecycler {
  let r = recyclers.get(ctx.slot);
  if (!r) recyclers.set(ctx.slot, (r = new InputRecycler(path.join(ctx.scratch, "spare"))));
  return r;
}

/**
 * Empties /pfs/out for the next attempt or datum (a readdir when it already
 * is). The folder itself stays: a slot sandbox has it bind-mounted.
 */
function emptyDir(dir: string): void {
  for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}

/** Null when the attempt succeeded (exit 0 or an accepted code), else why not. */
function whyFailed(r: Ended, spec: PipelineSpec): string | null {
  const accept = spec.transform.acceptReturnCode;
  return r.exitCode !== null && (r.exitCode === 0 || accept.includes(r.exitCode)) ? null : describe(r, spec.datumTimeoutMs);
}

function describe(r: Ended, timeoutMs: number | null): string {
  if (r.timedOut) return `timed out after ${timeoutMs} ms`;
  if (r.exitCode === null) return `killed by ${r.signal ?? "a signal"}`;
  return `exit ${r.exitCode}`;
}

/** A datum as the job lists it: skipped, or how its run ended ("not run" when the job stopped before it). */
export function datumRow(job: string, idx: number, item: PlanItem, o: DatumOutcome | undefined): DatumRow {
  const inputs = item.datum!.inputs.map((i) => ({ name: i.name, repo: i.repo, branch: i.branch, commit: i.commit, path: i.path, hash: i.hash, type: i.type }));
  if (item.action === "skip") return { job, id: item.id, idx, hash: item.hash, state: "skipped", inputs, durationMs: 0, tries: 0, reason: null };
  if (!o) return { job, id: item.id, idx, hash: item.hash, state: "failed", inputs, durationMs: 0, tries: 0, reason: "not run: the job was stopped" };
  return { job, id: item.id, idx, hash: item.hash, state: o.state, inputs, durationMs: o.durationMs, tries: o.tries, reason: o.reason, worker: o.worker ?? null };
}

/** How many datums each remote worker ran, from a job's rows (the job's `workers`). */
export function workersOf(rows: DatumRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) if (r.worker) out[r.worker] = (out[r.worker] ?? 0) + 1;
  return out;
}
