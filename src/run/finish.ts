// The finish phase of a job (SPEC §4.4): every datum processed or skipped ->
// merge (patch the last output where the job is incremental, else merge all)
// -> output tree -> datum index -> one transaction with the commit, the
// datum list, the index and the job's end. Any failed datum, a stop, or a
// merge conflict ends the job without a commit (its datums are still listed).
import type { Tx } from "../db/client.ts";
import { headOf } from "../db/queries/branches.ts";
import { dropIndex, patchIndex, writeIndex, type IndexedDatum } from "../db/queries/datumindex.ts";
import { finishJob as saveJobEnd, insertDatums, type DatumRow, type DatumsBase, type JobRow } from "../db/queries/jobs.ts";
import { findResults, type ResultRow } from "../db/queries/results.ts";
import { mergeOutputs, shortId, type DatumOutputs, type OutputFile } from "../merge/merge.ts";
import { crashPoint } from "../crash.ts";
import { outputTree } from "../merge/tree.ts";
import { compareBytes, compareKeys } from "../plan/bytewise.ts";
import { datumSortKey } from "../plan/identity.ts";
import type { JobContext } from "./context.ts";
import { datumRow, workersOf, type DatumOutcome } from "./datum.ts";
import type { Executed } from "./execute.ts";
import { allItems, mergeIncremental, type IncrementalPlan, type Owners } from "./incremental.ts";
import type { PlanItem } from "./items.ts";
import type { JobPlan } from "./planning.ts";

/** Past this many bases, an incremental job stores its whole datum list again (bounds `list datum`). */
export const MAX_DATUMS_DEPTH = 64;

type Merged = { root: string; size: number; nodes: Map<string, string> } & (
  | { patch: false; owners: Owners }
  | { patch: true; owners: Map<string, string[] | null>; outputs: Map<string, OutputFile[]> }
);

/** Ends the job: its row as it finished (state, reason, counts, stats), committed with its datums. */
export async function finishJob(ctx: JobContext, plan: JobPlan, ex: Executed, base: JobRow): Promise<JobRow> {
  const { app, pipeline: p, spec, jobId } = ctx;
  const { inc } = plan;
  // A stopped job lists what it did: datums that never started are neither failed nor counted (the next job runs them).
  const items = ex.stopped ? plan.items.filter((i) => i.action === "skip" || ex.outcomes.has(i.id)) : plan.items;
  const rows = items.map((item, idx) => datumRow(jobId, idx, item, ex.outcomes.get(item.id)));
  const inherited = inc?.inherited ?? 0;
  const count = (s: string) => rows.filter((r) => r.state === s).length;
  const ended = (state: JobRow["state"], reason: string | null, output: string | null, stats: Record<string, number>): JobRow & { finished: string } => ({
    ...base, state, reason, outputCommit: output, finished: app.now().toISOString(), total: rows.length + inherited,
    processed: count("success"), skipped: count("skipped") + inherited, failed: count("failed"), recovered: count("recovered"), stats, workers: workersOf(rows),
  });
  /** Every datum, when a full merge or a whole datum list needs them (an incremental job has only its own). */
  let everyItem: PlanItem[] | null = inc ? null : plan.items;
  const allOf = async () => (everyItem ??= await allItems(app, p, inc!));
  const datumList = () => listToStore(jobId, rows, inc, allOf, ex.outcomes);
  const stats = { run_ms: Math.round(ex.runMs) };

  const failedRows = rows.filter((r) => r.state === "failed");
  let result: JobRow & { finished: string };
  if (ex.recordError) result = ended("failure", `could not record datum results: ${ex.recordError.message}`, null, stats);
  else if (ex.stopped) result = ended("killed", ex.timedOut ? `job_timeout of ${spec.jobTimeoutMs} ms exceeded` : stopReason(ctx.signal), null, stats);
  else if (failedRows.length) {
    const reason = failedRows.map((r) => `datum ${shortId(r.id)} (${r.inputs.map((i) => i.path).join(", ")}) failed: ${r.reason}`).join("; ");
    result = ended("failure", reason, null, stats);
  } else {
    const t1 = performance.now();
    const merged = await mergeAll(ctx, plan, ex.outcomes, allOf);
    if ("error" in merged) result = ended("failure", merged.error, null, stats);
    else {
      await app.store.flush();
      const done = ended("success", null, ctx.outputCommit, { ...stats, merge_ms: Math.round(performance.now() - t1), incremental: inc ? 1 : 0 });
      const list = await datumList();
      const index = indexUpdate(ctx, merged, rows, inc, everyItem);
      // The output commit, the job's datums and index, and its end in one transaction: a crash
      // between them would otherwise leave a commit whose job is later marked killed.
      await app.db.write(async (tx) => {
        const head = (await headOf(tx, p.name, spec.outputBranch)) ?? null;
        await app.repos.insertCommit(tx, {
          id: ctx.outputCommit, repo: p.name, branch: spec.outputBranch, origin: "job", root: merged.root, size: merged.size,
          nodes: merged.nodes, provenance: base.inputCommits, job: jobId,
        }, head, true);
        await insertDatums(tx, jobId, list.rows, list.base);
        await index(tx);
        await saveJobEnd(tx, jobId, done);
      });
      return done;
    }
  }
  const list = await datumList();
  await app.db.write(async (tx) => {
    await insertDatums(tx, jobId, list.rows, list.base);
    await saveJobEnd(tx, jobId, result);
  });
  return result;
}

/** Why the caller stopped the job: its abort reason ("stopped by SIGTERM"), or a plain "job was stopped". */
function stopReason(signal: AbortSignal | undefined): string {
  return signal?.reason instanceof Error && signal.reason.name === "Stopped" ? signal.reason.message : "job was stopped";
}

/** The merged output: the last output patched (incremental), or every datum's outputs merged anew. */
async function mergeAll(ctx: JobContext, plan: JobPlan, outcomes: Map<string, DatumOutcome>, allOf: () => Promise<PlanItem[]>): Promise<Merged | { error: string }> {
  const { app, pipeline: p } = ctx;
  if (!plan.inc) return mergeFull(ctx, plan.items, outcomes, plan.results);
  const fresh = new Map<string, OutputFile[]>();
  for (const item of plan.items) {
    const files = item.action === "skip" ? plan.results.get(item.hash)?.outputs : outcomes.get(item.id)?.outputs;
    if (files) fresh.set(item.id, files);
  }
  const patched = await mergeIncremental(app, p, plan.inc, fresh);
  if (patched) return { ...patched, patch: true, outputs: fresh };
  // The full merge decides (and words any conflict): it needs every skipped datum's result.
  const all = await allOf();
  return mergeFull(ctx, all, outcomes, await findResults(app.db, p.name, all.filter((i) => i.action === "skip").map((i) => i.hash)));
}

async function mergeFull(ctx: JobContext, items: PlanItem[], outcomes: Map<string, DatumOutcome>, reused: Map<string, ResultRow>): Promise<Merged | { error: string }> {
  const { app } = ctx;
  const parts: DatumOutputs[] = [];
  for (const item of items) {
    const files = item.action === "skip" ? reused.get(item.hash)?.outputs : outcomes.get(item.id)?.outputs;
    if (item.action === "skip" && !files) return { error: `internal: no recorded result for skipped datum ${shortId(item.id)} (${item.paths.join(", ")})` };
    if (!files) continue; // recovered datums contribute nothing
    parts.push({ id: item.id, sortKey: item.datum!.sortKey, label: item.paths.join(", "), files });
  }
  const merged = mergeOutputs(parts, ctx.spec.merge);
  if (!merged.ok) return { error: merged.error };
  const owners: Owners = {};
  for (const d of [...parts].sort((a, b) => compareKeys(a.sortKey, b.sortKey) || compareBytes(a.id, b.id))) {
    for (const f of d.files) (owners[f.path] ??= []).push(d.id);
  }
  const tree = await outputTree(merged.files, { trees: app.repos.trees, sha256: (s) => app.rt.sha256(s), concat: (p) => app.store.concat(p), fileDone: () => crashPoint("merge.file") });
  return { ...tree, owners, patch: false as const };
}

/** What a job stores as its datum list: its own rows by reference to its base's, or all of them. */
async function listToStore(jobId: string, rows: DatumRow[], inc: IncrementalPlan | null, allOf: () => Promise<PlanItem[]>, outcomes: Map<string, DatumOutcome>): Promise<{ rows: DatumRow[]; base?: DatumsBase }> {
  if (!inc) return { rows };
  if (inc.base.depth < MAX_DATUMS_DEPTH) {
    return { rows, base: { job: inc.base.job.id, dropped: inc.replaced.map((d) => d.id), depth: inc.base.depth + 1 } };
  }
  return { rows: (await allOf()).map((item, idx) => datumRow(jobId, idx, item, outcomes.get(item.id))) };
}

/**
 * The datum index a successful job leaves for the next one (pfs inputs only):
 * patched where an incremental merge patched the output, else rewritten whole.
 */
function indexUpdate(ctx: JobContext, merged: Merged, rows: DatumRow[], inc: IncrementalPlan | null, every: PlanItem[] | null): (tx: Tx) => Promise<void> {
  const { pipeline: p } = ctx;
  if (p.spec.input?.kind !== "pfs") return (tx) => dropIndex(tx, p.name);
  const head = { job: ctx.jobId, planKey: ctx.identity.planKey };
  const stateOf = new Map(rows.map((r) => [r.id, r.state]));
  if (merged.patch) {
    const upsert: IndexedDatum[] = rows.map((r) => ({
      id: r.id, hash: r.hash, sortKey: datumSortKey(r.inputs), state: r.state, outputs: (merged.outputs.get(r.id) ?? []).map((o) => o.path).sort(compareBytes),
    }));
    const kept = new Set(rows.map((r) => r.id));
    return (tx) => patchIndex(tx, p.name, head, { remove: inc!.replaced.map((d) => d.id).filter((id) => !kept.has(id)), upsert, owners: merged.owners });
  }
  const outputs = new Map<string, string[]>();
  for (const [path, ids] of Object.entries(merged.owners)) for (const id of ids) (outputs.get(id) ?? outputs.set(id, []).get(id)!).push(path);
  const datums: IndexedDatum[] = every!.map((item) => ({
    id: item.id, hash: item.hash, sortKey: item.datum!.sortKey, state: stateOf.get(item.id) ?? "skipped", outputs: (outputs.get(item.id) ?? []).sort(compareBytes),
  }));
  return (tx) => writeIndex(tx, p.name, head, datums, new Map(Object.entries(merged.owners)));
}
