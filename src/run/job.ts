// One job of one pipeline: plan datums against the input heads, reuse the
// results of unchanged datums, run the rest as subprocesses (bounded
// parallelism), record each success as soon as it is durable, then either
// merge everything into one output commit or fail with no commit at all.
import * as fs from "node:fs";
import * as path from "node:path";
import type { App } from "../app.ts";
import type { Tx } from "../db/client.ts";
import { dropIndex, patchIndex, writeIndex, type IndexedDatum } from "../db/queries/datumindex.ts";
import { finishJob, findResults, insertDatums, insertJob, lastJob, listDatums, saveResults, type DatumRow, type DatumsBase, type JobRow, type ResultRow } from "../db/queries/jobs.ts";
import type { PipelineRow } from "../db/queries/pipelines.ts";
import { mergeOutputs, shortId, type DatumOutputs } from "../merge/merge.ts";
import { planDatums } from "../plan/datums.ts";
import { datumHash, datumSortKey } from "../plan/identity.ts";
import { newId } from "../repo/repos.ts";
import { applyChanges, emptyTree, type Change } from "../repo/tree.ts";
import { runDatum, type DatumOutcome } from "./datum.ts";
import { allItems, mergeIncremental, planIncremental, type IncrementalPlan, type Owners } from "./incremental.ts";
import { compareBytes, compareKeys } from "../plan/bytewise.ts";
import { fingerprint, heads, inputCommits, loadListings, type LeafHead } from "./inputs.ts";
import { planItems, type PlanItem } from "./plan.ts";
import { openSlot } from "../transform/launch.ts";
import { logDir as logDirOf } from "../transform/logfiles.ts";
import { jobOwner, killOrphans } from "../transform/orphans.ts";
import type { SandboxPlan } from "../transform/sandbox.ts";
import type { Slot } from "../transform/slot.ts";
import { saltOf } from "./version.ts";
import { forEachLimit } from "../repo/files.ts";
import { crashPoint } from "../crash.ts";

/** Datums from which a plan collects garbage between phases. */
const BIG_PLAN = 20_000;

export interface Progress {
  start(pipeline: string, jobId: string, total: number, toProcess: number): void;
  datum(pipeline: string, state: DatumOutcome["state"]): void;
  finish(job: JobRow): void;
}

export interface JobOptions {
  reprocess: boolean;
  /** Plan and merge every datum even when an incremental job is possible (tests compare both). */
  fullPlan?: boolean;
  parallelism?: number;
  sandbox: SandboxPlan | null;
  progress: Progress;
  signal?: AbortSignal;
}

export function saltFor(app: App, p: PipelineRow): string {
  return saltOf(p.versionHash, p.reprocessNonce, (s) => app.rt.sha256(s));
}

/**
 * What else decides which datums exist and how they merge: the input spec
 * and the merge mode. Not part of the salt (unchanged datums still skip),
 * but part of the job fingerprint (a changed glob makes the pipeline due)
 * and of an incremental job's base check.
 */
export function planKey(app: App, p: PipelineRow): string {
  return app.rt.sha256(JSON.stringify({ input: p.spec.input, merge: p.spec.merge }));
}

/** The fingerprint that says whether a pipeline is due: input heads, salt, plan key. */
export function jobFingerprint(app: App, p: PipelineRow, hs: LeafHead[]): string {
  return fingerprint(hs, `${saltFor(app, p)}:${planKey(app, p)}`, (s) => app.rt.sha256(s));
}

/**
 * Plans the next job of `p` against its current input heads. `reasons`
 * (for `calf plan`) also reads the previous job's datums to say why, and
 * which datums are gone; a job does not need that.
 */
export async function planJob(app: App, p: PipelineRow, opts: { reprocess: boolean; reasons: boolean }) {
  const sha256 = (s: string) => app.rt.sha256(s);
  const hs = await heads(app.repos, p.spec.input);
  const salt = saltFor(app, p);
  const listings = await loadListings(app.repos, hs);
  if (app.repos.trees.cachedEntries >= BIG_PLAN) {
    // Reading a big listing leaves garbage (node bodies, a sharded folder's buckets, sort
    // buffers) and a cache of its nodes: collect them before the planner allocates on top.
    app.repos.trees.dropCache();
    app.rt.gc();
  }
  const datums = planDatums(p.spec.input!, listings, sha256).map((datum) => ({ datum, hash: datumHash(datum, salt, sha256) }));
  if (datums.length >= BIG_PLAN) {
    // The listings (and the tree nodes behind them) are garbage now: collect before the next
    // phase so a 100k-datum plan's peak memory is not the sum of every phase's.
    app.repos.trees.dropCache();
    app.rt.gc();
  }
  const results = await findResults(app.db, p.name, datums.map((d) => d.hash));
  const prevJob = opts.reasons ? await lastJob(app.db, p.name, ["success", "failure"]) : undefined;
  const previous = new Map(
    (prevJob ? await listDatums(app.db, prevJob.id) : []).map((d) => [d.id, { id: d.id, state: d.state, paths: d.inputs.map((i) => i.path) }]),
  );
  const items = planItems({ datums, known: new Set(results.keys()), previous, everyJob: p.spec.reprocessSpec === "every_job", reprocess: opts.reprocess });
  return { heads: hs, salt, items, results, fingerprint: jobFingerprint(app, p, hs) };
}

export async function runJob(app: App, p: PipelineRow, opts: JobOptions): Promise<JobRow> {
  const spec = p.spec;
  const jobId = newId();
  const outputCommit = newId();
  const started = app.now();
  const hs = await heads(app.repos, p.spec.input);
  const salt = saltFor(app, p);
  const inc = opts.fullPlan ? null : await planIncremental(app, p, hs, salt, planKey(app, p), { reprocess: opts.reprocess });
  const plan = inc
    ? { heads: hs, salt, items: inc.items, results: inc.results, fingerprint: jobFingerprint(app, p, hs) }
    : await planJob(app, p, { reprocess: opts.reprocess, reasons: false });
  const base: JobRow = {
    id: jobId, pipeline: p.name, state: "running", reason: null, started: started.toISOString(), finished: null,
    inputCommits: inputCommits(plan.heads), outputCommit: null, fingerprint: plan.fingerprint, salt: plan.salt,
    version: p.version, total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0, stats: {},
  };
  await app.db.write((tx) => insertJob(tx, base));

  const items = plan.items.filter((i) => i.action !== "remove");
  const toRun = items.filter((i) => i.action === "process");
  const reused = plan.results;
  // An incremental job also holds the datums it inherits from its base as they were (skipped).
  const inherited = inc?.inherited ?? 0;
  opts.progress.start(p.name, jobId, items.length + inherited, toRun.length);

  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let timedOut = false;
  const timer = spec.jobTimeoutMs ? setTimeout(() => ((timedOut = true), abort.abort()), spec.jobTimeoutMs) : null;

  const outcomes = new Map<string, DatumOutcome>();
  let recordError: Error | null = null;
  const recorder = new ResultRecorder(app, p.name, jobId);
  const scratchRoot = path.join(app.settings.dataDir, "scratch", jobId);
  const logDir = logDirOf(app.settings.dataDir, p.name, jobId);
  fs.mkdirSync(logDir, { recursive: true });
  // One worker slot each (a sandbox started at its first datum and reused: boxslot.ts).
  const slots = new Map<number, Slot>();
  const slotOf = (slot: number) => {
    let s = slots.get(slot);
    if (!s) slots.set(slot, (s = openSlot(app.rt, opts.sandbox, path.join(scratchRoot, String(slot)))));
    return s;
  };
  // Read once: process.env is a live view of the environment, slow to copy per datum.
  const baseEnv = { ...process.env };
  const t0 = performance.now();
  try {
    const parallelism = Math.max(1, opts.parallelism ?? spec.parallelism ?? navigator.hardwareConcurrency ?? 2);
    await forEachLimit(toRun, parallelism, async (item, _i, slot) => {
      if (abort.signal.aborted) return;
      let outcome: DatumOutcome;
      try {
        outcome = await runDatum({
          store: app.store, loader: app.repos.trees, spec, jobId, outputCommit,
          scratch: path.join(scratchRoot, String(slot)), logDir, slot: slotOf(slot), now: app.now, baseEnv, signal: abort.signal,
        }, item.datum!);
      } catch (err) {
        // e.g. the command cannot be started: this datum fails, the job goes on and ends properly.
        outcome = { state: "failed", outputs: [], tries: 1, durationMs: 0, reason: (err as Error).message };
      }
      outcomes.set(item.id, outcome);
      if (outcome.state === "success") recorder.add({ hash: item.hash, datum: item.id, outputs: outcome.outputs });
      opts.progress.datum(p.name, outcome.state);
    });
    await recorder.drain().catch((err) => {
      recordError = err as Error;
    });
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onOuterAbort);
    await Promise.all([...slots.values()].map((s) => s.close()));
    await killOrphans(app.rt, jobOwner(jobId));
    fs.rmSync(scratchRoot, { recursive: true, force: true });
  }
  const runMs = performance.now() - t0;

  const rows: DatumRow[] = items.map((item, idx) => datumRow(jobId, idx, item, outcomes.get(item.id)));
  const count = (s: string) => rows.filter((r) => r.state === s).length;
  const finished = (state: JobRow["state"], reason: string | null, output: string | null, stats: Record<string, number>) => ({
    ...base, state, reason, outputCommit: output, finished: app.now().toISOString(), total: rows.length + inherited,
    processed: count("success"), skipped: count("skipped") + inherited, failed: count("failed"), recovered: count("recovered"), stats,
  });
  /** Every datum, when a full merge or a whole datum list needs them (an incremental job has only its own). */
  let everyItem: PlanItem[] | null = inc ? null : items;
  const allOf = async () => (everyItem ??= await allItems(app, p, inc!));

  let result: JobRow;
  const failedRows = rows.filter((r) => r.state === "failed");
  if (recordError) {
    result = finished("failure", `could not record datum results: ${(recordError as Error).message}`, null, { run_ms: runMs });
  } else if (abort.signal.aborted) {
    result = finished("killed", timedOut ? `job_timeout of ${spec.jobTimeoutMs} ms exceeded` : "job was stopped", null, { run_ms: runMs });
  } else if (failedRows.length) {
    const reason = failedRows.map((r) => `datum ${shortId(r.id)} (${r.inputs.map((i) => i.path).join(", ")}) failed: ${r.reason}`).join("; ");
    result = finished("failure", reason, null, { run_ms: runMs });
  } else {
    const t1 = performance.now();
    let merged: Merged | { error: string };
    if (inc) {
      const fresh = new Map<string, { path: string; hash: string; size: number }[]>();
      for (const item of items) {
        const files = item.action === "skip" ? reused.get(item.hash)?.outputs : outcomes.get(item.id)?.outputs;
        if (files) fresh.set(item.id, files);
      }
      const patched = await mergeIncremental(app, p, inc, fresh);
      if (patched) merged = { ...patched, patch: true, outputs: fresh };
      else {
        // The full merge decides (and words any conflict): it needs every skipped datum's result.
        const all = await allOf();
        merged = await mergeJob(app, p, all, outcomes, await findResults(app.db, p.name, all.filter((i) => i.action === "skip").map((i) => i.hash)));
      }
    } else merged = await mergeJob(app, p, items, outcomes, reused);
    if ("error" in merged) result = finished("failure", merged.error, null, { run_ms: runMs });
    else {
      await app.store.flush();
      const done = finished("success", null, outputCommit, { run_ms: runMs, merge_ms: performance.now() - t1, incremental: inc ? 1 : 0 });
      const list = await datumList(jobId, rows, inc, allOf, outcomes);
      const index = indexUpdate(p, planKey(app, p), jobId, merged, rows, inc, everyItem);
      const m = merged;
      // The output commit, the job's datums and index, and its end in one transaction: a crash
      // between them would otherwise leave a commit whose job is later marked killed.
      await app.db.write(async (tx) => {
        const head = await tx.get<{ head: string | null }>("SELECT head FROM branches WHERE repo = ? AND name = ?", [p.name, spec.outputBranch]);
        await app.repos.insertCommit(tx, {
          id: outputCommit, repo: p.name, branch: spec.outputBranch, origin: "job", root: m.root, size: m.size,
          nodes: m.nodes, provenance: base.inputCommits, job: jobId,
        }, head?.head ?? null, true);
        await insertDatums(tx, jobId, list.rows, list.base);
        await index(tx);
        await finishJob(tx, jobId, done as JobRow & { finished: string });
      });
      result = done;
    }
  }
  if (result.state !== "success") {
    const list = await datumList(jobId, rows, inc, allOf, outcomes);
    await app.db.write(async (tx) => {
      await insertDatums(tx, jobId, list.rows, list.base);
      await finishJob(tx, jobId, result as JobRow & { finished: string });
    });
  }
  opts.progress.finish(result);
  return result;
}

/** Past this many bases, an incremental job stores its whole datum list again (bounds `list datum`). */
export const MAX_DATUMS_DEPTH = 64;

/** What a job stores as its datum list: its own rows by reference to its base's, or all of them. */
async function datumList(jobId: string, rows: DatumRow[], inc: IncrementalPlan | null, allOf: () => Promise<PlanItem[]>, outcomes: Map<string, DatumOutcome>): Promise<{ rows: DatumRow[]; base?: DatumsBase }> {
  if (!inc) return { rows };
  if (inc.base.depth < MAX_DATUMS_DEPTH) {
    return { rows, base: { job: inc.base.job.id, dropped: inc.replaced.map((d) => d.id), depth: inc.base.depth + 1 } };
  }
  return { rows: (await allOf()).map((item, idx) => datumRow(jobId, idx, item, outcomes.get(item.id))) };
}

type Merged = { root: string; size: number; nodes: Map<string, string> } & (
  | { patch: false; owners: Owners }
  | { patch: true; owners: Map<string, string[] | null>; outputs: Map<string, { path: string }[]> }
);

/**
 * The datum index a successful job leaves for the next one (pfs inputs only):
 * patched where an incremental merge patched the output, else rewritten whole.
 */
function indexUpdate(p: PipelineRow, key: string, jobId: string, merged: Merged, rows: DatumRow[], inc: IncrementalPlan | null, every: PlanItem[] | null): (tx: Tx) => Promise<void> {
  if (p.spec.input?.kind !== "pfs") return (tx) => dropIndex(tx, p.name);
  const head = { job: jobId, planKey: key };
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

function datumRow(job: string, idx: number, item: PlanItem, o: DatumOutcome | undefined): DatumRow {
  const inputs = item.datum!.inputs.map((i) => ({ name: i.name, repo: i.repo, branch: i.branch, commit: i.commit, path: i.path, hash: i.hash, type: i.type }));
  if (item.action === "skip") return { job, id: item.id, idx, hash: item.hash, state: "skipped", inputs, durationMs: 0, tries: 0, reason: null };
  if (!o) return { job, id: item.id, idx, hash: item.hash, state: "failed", inputs, durationMs: 0, tries: 0, reason: "not run: the job was stopped" };
  return { job, id: item.id, idx, hash: item.hash, state: o.state, inputs, durationMs: o.durationMs, tries: o.tries, reason: o.reason };
}

async function mergeJob(app: App, p: PipelineRow, items: PlanItem[], outcomes: Map<string, DatumOutcome>, reused: Map<string, ResultRow>): Promise<Merged | { error: string }> {
  const parts: DatumOutputs[] = [];
  for (const item of items) {
    const files = item.action === "skip" ? reused.get(item.hash)?.outputs : outcomes.get(item.id)?.outputs;
    if (item.action === "skip" && !files) return { error: `internal: no recorded result for skipped datum ${shortId(item.id)} (${item.paths.join(", ")})` };
    if (!files) continue; // recovered datums contribute nothing
    parts.push({ id: item.id, sortKey: item.datum!.sortKey, label: item.paths.join(", "), files });
  }
  const merged = mergeOutputs(parts, p.spec.merge);
  if (!merged.ok) return { error: merged.error };
  const owners: Owners = {};
  for (const d of [...parts].sort((a, b) => compareKeys(a.sortKey, b.sortKey) || compareBytes(a.id, b.id))) {
    for (const f of d.files) (owners[f.path] ??= []).push(d.id);
  }
  const changes: Change[] = [];
  for (const f of merged.files) {
    const file = f.parts.length === 1 ? { hash: f.parts[0]!, size: f.size } : await app.store.concat(f.parts);
    changes.push({ path: f.path, file });
    crashPoint("merge.file");
  }
  const sha256 = (s: string) => app.rt.sha256(s);
  const empty = emptyTree(sha256);
  const tree = await applyChanges(app.repos.trees, sha256, empty.hash, changes);
  tree.nodes.set(empty.hash, empty.body);
  return { ...tree, owners, patch: false as const };
}

/**
 * Group commit of datum results: successes are written in batches, at most one
 * transaction every BATCH_MS, so a crash redoes at most the last second of
 * finished datums, while a batch is big enough for one syncfs instead of an
 * fsync per output (which also stalls every other metadata operation).
 */
const BATCH_MS = 1000;

class ResultRecorder {
  #pending: ResultRow[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #app: App;
  #pipeline: string;
  #job: string;
  #error: unknown = null;

  constructor(app: App, pipeline: string, job: string) {
    this.#app = app;
    this.#pipeline = pipeline;
    this.#job = job;
  }

  add(r: ResultRow): void {
    this.#pending.push(r);
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, BATCH_MS);
  }

  #flush(): Promise<void> {
    const batch = this.#pending.splice(0);
    if (!batch.length) return this.#flushing;
    this.#flushing = this.#flushing.then(async () => {
      try {
        await this.#app.store.flush();
        await this.#app.db.write((tx) => saveResults(tx, this.#pipeline, this.#job, batch));
        crashPoint("datum.recorded");
      } catch (err) {
        this.#error ??= err;
      }
    });
    return this.#flushing;
  }

  async drain(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#flush();
    if (this.#error) throw this.#error;
  }
}
