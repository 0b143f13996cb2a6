// A job's plan (SPEC §4.3): which datums to process and which to skip, with
// the results to reuse. Incremental when the last successful job allows it
// (incremental.ts: only the datums holding a changed path), else in full:
// every input listed, every datum cut (plan/, pure), one query for known
// results. `calf plan` uses the full plan with reasons.
import type { App } from "../app.ts";
import { lastJob, listDatums } from "../db/queries/jobs.ts";
import { findResults, type ResultRow } from "../db/queries/results.ts";
import { planDatums } from "../plan/datums.ts";
import { datumHash } from "../plan/identity.ts";
import type { PipelineSpec } from "../spec/types.ts";
import type { JobContext } from "./context.ts";
import { planIncremental, type IncrementalPlan } from "./incremental.ts";
import { loadListings, type LeafHead } from "./inputs.ts";
import { planItems, type PlanItem } from "./items.ts";

/** Datums from which a plan collects garbage between phases. */
export const BIG_PLAN = 20_000;

export interface JobPlan {
  /** Every datum of the job (process or skip; an incremental job: only the re-planned ones), in merge order. */
  items: PlanItem[];
  /** Recorded results of the datums to skip. */
  results: Map<string, ResultRow>;
  /** Set when the job patches the last successful job's output. */
  inc: IncrementalPlan | null;
}

/** What a full plan needs: the pipeline's spec, its input heads and salt. */
export interface PlanBasis {
  app: App;
  name: string;
  spec: PipelineSpec;
  heads: LeafHead[];
  salt: string;
  reprocess: boolean;
}

/** The job's plan: incremental where possible, else full (no "remove" items: a job only runs and merges). */
export async function planJob(ctx: JobContext): Promise<JobPlan> {
  const { app, pipeline: p } = ctx;
  const inc = await planIncremental(app, p, ctx.heads, ctx.identity.salt, ctx.identity.planKey, { reprocess: ctx.reprocess });
  if (inc) return { items: inc.items, results: inc.results, inc };
  const full = await planFull({ app, name: p.name, spec: ctx.spec, heads: ctx.heads, salt: ctx.identity.salt, reprocess: ctx.reprocess }, { reasons: false });
  return { items: full.items.filter((i) => i.action !== "remove"), results: full.results, inc: null };
}

/**
 * Every datum against the current input heads. `reasons` (for `calf plan`)
 * also reads the previous job's datums to say why, and which datums are
 * gone; a job does not need that.
 */
export async function planFull(b: PlanBasis, opts: { reasons: boolean }): Promise<{ items: PlanItem[]; results: Map<string, ResultRow> }> {
  const { app } = b;
  const sha256 = (s: string) => app.rt.sha256(s);
  const listings = await loadListings(app.repos, b.heads);
  if (app.repos.trees.cachedEntries >= BIG_PLAN) {
    // Reading a big listing leaves garbage (node bodies, a sharded folder's buckets, sort
    // buffers) and a cache of its nodes: collect them before the planner allocates on top.
    app.repos.trees.dropCache();
    app.rt.gc();
  }
  const datums = planDatums(b.spec.input!, listings, sha256).map((datum) => ({ datum, hash: datumHash(datum, b.salt, sha256) }));
  if (datums.length >= BIG_PLAN) {
    // The listings (and the tree nodes behind them) are garbage now: collect before the next
    // phase so a 100k-datum plan's peak memory is not the sum of every phase's.
    app.repos.trees.dropCache();
    app.rt.gc();
  }
  const results = await findResults(app.db, b.name, datums.map((d) => d.hash));
  const prevJob = opts.reasons ? await lastJob(app.db, b.name, ["success", "failure"]) : undefined;
  const previous = new Map(
    (prevJob ? await listDatums(app.db, prevJob.id) : []).map((d) => [d.id, { id: d.id, state: d.state, paths: d.inputs.map((i) => i.path) }]),
  );
  const items = planItems({ datums, known: new Set(results.keys()), previous, everyJob: b.spec.reprocessSpec === "every_job", reprocess: b.reprocess });
  return { items, results };
}
