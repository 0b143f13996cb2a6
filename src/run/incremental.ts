// Incremental jobs: when the last successful job ran the same pipeline
// version over a plain pfs input, only the datums holding a path that
// changed since then are planned again, and its output tree is patched: only
// the output paths those datums wrote (or now write) are recomputed, from
// every datum that writes them. The result equals a full plan and merge
// (test/run/job.test.ts checks it against from-scratch runs); anything this
// module cannot decide cheaply returns null and the caller does it in full.
import type { App } from "../app.ts";
import { indexedDatums, indexedInState, indexHead, ownersOf, type IndexedDatum } from "../db/queries/datumindex.ts";
import { datumsDepth, lastJob, listDatums, type JobRow } from "../db/queries/jobs.ts";
import { findResults, type ResultRow } from "../db/queries/results.ts";
import type { PipelineRow } from "../db/queries/pipelines.ts";
import { compareBytes, compareKeys } from "../plan/bytewise.ts";
import { compileGlob } from "../plan/glob.ts";
import { datumHash, datumId, makeDatum } from "../plan/identity.ts";
import type { Datum } from "../plan/types.ts";
import { diffTrees } from "../repo/diff.ts";
import { applyChanges, lookup, type Change } from "../repo/tree.ts";
import type { CommitInfo } from "../repo/repos.ts";
import type { LeafHead } from "./inputs.ts";
import type { PlanItem } from "./items.ts";

/** Output path -> the ids of the datums that wrote it, in merge order. */
export type Owners = Record<string, string[]>;

export interface IncrementalPlan {
  /** The re-planned datums only (process or skip), in merge order. */
  items: PlanItem[];
  /** Known results of the datums to skip among the re-planned ones. */
  results: Map<string, ResultRow>;
  /** The base job, its output commit, the depth of its datum list, and the input commit now. */
  base: { job: JobRow; output: CommitInfo; depth: number; commit: string };
  /** Datums of the base job that were re-planned (changed, gone, or recovered last time). */
  replaced: IndexedDatum[];
  /** How many of the base's datums this job keeps as they were (skipped, not in `items`). */
  inherited: number;
}

/** The incremental plan, or null when a full plan is needed. */
export async function planIncremental(app: App, p: PipelineRow, hs: LeafHead[], salt: string, key: string, opts: { reprocess: boolean }): Promise<IncrementalPlan | null> {
  const input = p.spec.input;
  if (!input || input.kind !== "pfs" || opts.reprocess || p.forceDue || p.spec.reprocessSpec === "every_job") return null;
  const head = hs[0];
  if (hs.length !== 1 || !head?.commit) return null;
  const job = await lastJob(app.db, p.name, ["success"]);
  if (!job || job.salt !== salt || !job.outputCommit || job.failed > 0) return null;
  // Any job after the base (failed, killed: e.g. after `restart datum`) may have changed
  // which results exist: only a clean chain of successes is patched.
  const latest = await lastJob(app.db, p.name, ["success", "failure", "killed"]);
  if (latest?.id !== job.id) return null;
  // The base must have left its index, and cut and merged datums the same way (same input spec and merge mode).
  const indexed = await indexHead(app.db, p.name);
  if (!indexed || indexed.job !== job.id || indexed.planKey !== key) return null;
  const depth = await datumsDepth(app.db, job.id);
  const output = await app.repos.getCommit(job.outputCommit);
  const prevInput = job.inputCommits.find((c) => c.repo === input.repo);
  const oldCommit = prevInput ? await app.repos.getCommit(prevInput.commit) : null;
  const newCommit = await app.repos.getCommit(head.commit);
  if (depth === undefined || !output || !oldCommit || !newCommit || oldCommit.repo !== input.repo || oldCommit.branch !== input.branch) return null;

  // Datum paths that may differ: every glob match among the changed paths and their ancestors,
  // plus datums that were recovered last time (they always rerun).
  const matcher = compileGlob(input.glob);
  const candidates = new Set<string>();
  for (const d of await diffTrees(app.repos.trees, oldCommit.tree, newCommit.tree)) {
    for (let at = d.path; ; at = at.slice(0, Math.max(1, at.lastIndexOf("/")))) {
      candidates.add(at);
      if (at === "/") break;
    }
  }
  const affected = new Set([...candidates].filter((c) => matcher.match(c)));
  const sha256 = (s: string) => app.rt.sha256(s);
  // A pfs datum's id is a function of its path: the base's datums at affected paths are found by id.
  const idOf = (path: string) => datumId([{ name: input.name, repo: input.repo, branch: input.branch, path }], sha256);
  const replaced = await indexedDatums(app.db, p.name, [...affected].map(idOf));
  if (job.recovered > 0) {
    for (const d of await indexedInState(app.db, p.name, "recovered")) {
      replaced.set(d.id, d);
      affected.add(d.sortKey[0]!);
    }
  }

  const fresh: Datum[] = [];
  for (const at of affected) {
    const e = await lookup(app.repos.trees, newCommit.tree, newCommit.sizeBytes, at);
    // An empty commit cuts no datums, not even for the glob "/" (SPEC §4.1).
    if (!e || (at === "/" && newCommit.sizeBytes === 0 && (await app.repos.trees.load(newCommit.tree)).length === 0)) continue;
    fresh.push(makeDatum([{
      name: input.name, repo: input.repo, branch: input.branch, commit: newCommit.id, path: at, type: e.type,
      hash: e.hash, size: e.size, reference: input.reference, emptyFiles: input.emptyFiles,
    }], sha256));
  }
  const hashed = fresh.map((datum) => ({ datum, hash: datumHash(datum, salt, sha256) }));
  const results = await findResults(app.db, p.name, hashed.map((h) => h.hash));
  const items: PlanItem[] = hashed.map(({ datum, hash }) => {
    const known = results.has(hash);
    return { id: datum.id, action: known ? "skip" : "process", reason: known ? "unchanged" : "changed", paths: datum.sortKey, hash, datum };
  });
  items.sort(byMergeOrder);
  return {
    items, results, base: { job, output, depth, commit: newCommit.id }, replaced: [...replaced.values()], inherited: job.total - replaced.size,
  };
}

const byMergeOrder = (a: PlanItem, b: PlanItem) => compareKeys(a.datum!.sortKey, b.datum!.sortKey) || compareBytes(a.id, b.id);

/**
 * Every datum of the incremental job, the inherited ones as skip items (read
 * from the base's whole datum list: O(N), for a full merge or a whole list).
 */
export async function allItems(app: App, p: PipelineRow, plan: IncrementalPlan): Promise<PlanItem[]> {
  const input = p.spec.input;
  if (input?.kind !== "pfs") throw new Error("internal: an incremental plan over a non-pfs input");
  const dropped = new Set(plan.replaced.map((d) => d.id));
  const items = (await listDatums(app.db, plan.base.job.id))
    .filter((d) => !dropped.has(d.id))
    .map((d) => {
      const inputs = d.inputs.map((i) => ({ ...i, commit: plan.base.commit, type: i.type as "file" | "dir", size: 0, reference: input.reference, emptyFiles: input.emptyFiles }));
      const datum: Datum = { id: d.id, inputs, sortKey: inputs.map((i) => i.path) };
      return { id: d.id, action: "skip" as const, reason: "unchanged" as const, paths: datum.sortKey, hash: d.hash, datum };
    });
  return [...items, ...plan.items].sort(byMergeOrder);
}

/**
 * Patches the base job's output tree: each output path written by a replaced
 * or re-planned datum is recomputed from all its writers (append order).
 * Returns the new tree and the owner entries that changed (null: the path is
 * gone), or null when a full merge must decide (a conflict or `merge: error`
 * with several writers: the full merge words the error).
 */
export async function mergeIncremental(
  app: App,
  p: PipelineRow,
  plan: IncrementalPlan,
  newOutputs: Map<string, { path: string; hash: string; size: number }[]>,
): Promise<{ root: string; size: number; nodes: Map<string, string>; owners: Map<string, string[] | null> } | null> {
  const { base } = plan;
  const sortKeyOf = new Map<string, string[]>();
  const hashOf = new Map<string, string>();
  for (const item of plan.items) {
    sortKeyOf.set(item.id, item.datum!.sortKey);
    hashOf.set(item.id, item.hash);
  }
  const replacedIds = new Set(plan.replaced.map((d) => d.id));
  for (const d of plan.replaced) sortKeyOf.set(d.id, d.sortKey);

  // Touched: every path a replaced datum wrote (from the index, so nothing depends on
  // old results still being there) and every path a re-planned datum writes now.
  const touched = new Set<string>();
  for (const d of plan.replaced) for (const path of d.outputs) touched.add(path);
  for (const files of newOutputs.values()) for (const o of files) touched.add(o.path);

  const owners = await ownersOf(app.db, p.name, touched);
  const isKept = (id: string) => !replacedIds.has(id) && !newOutputs.has(id);
  // Writers kept from the base: their merge keys order the new writers among them, and where
  // a path has several writers, each kept writer's own part comes from its result.
  const keptIds = new Set<string>();
  for (const ids of owners.values()) for (const id of ids) if (isKept(id)) keptIds.add(id);
  const kept = await indexedDatums(app.db, p.name, keptIds);
  if (kept.size !== keptIds.size) return null;
  const needResults = new Set<string>();
  for (const d of kept.values()) {
    sortKeyOf.set(d.id, d.sortKey);
    hashOf.set(d.id, d.hash);
  }
  for (const ids of owners.values()) if (ids.length > 1) for (const id of ids) if (isKept(id)) needResults.add(hashOf.get(id)!);
  const keptResults = await findResults(app.db, p.name, [...needResults]);

  const changes: Change[] = [];
  const updates = new Map<string, string[] | null>();
  for (const path of [...touched].sort(compareBytes)) {
    const before = owners.get(path) ?? [];
    const writers: { id: string; hash: string; size: number }[] = [];
    for (const id of before.filter(isKept)) {
      if (before.length === 1) {
        const e = await lookup(app.repos.trees, base.output.tree, base.output.sizeBytes, path);
        if (!e || e.type !== "file") return null;
        writers.push({ id, hash: e.hash, size: e.size });
      } else {
        const part = keptResults.get(hashOf.get(id)!)?.outputs.find((o) => o.path === path);
        if (!part) return null;
        writers.push({ id, hash: part.hash, size: part.size });
      }
    }
    for (const [id, files] of newOutputs) {
      const part = files.find((o) => o.path === path);
      if (part) writers.push({ id, hash: part.hash, size: part.size });
    }
    if (writers.length > 1 && p.spec.merge === "error") return null;
    writers.sort((a, b) => compareKeys(sortKeyOf.get(a.id)!, sortKeyOf.get(b.id)!) || compareBytes(a.id, b.id));
    if (!writers.length) {
      if (before.length) updates.set(path, null);
      changes.push({ path, file: null });
      continue;
    }
    updates.set(path, writers.map((w) => w.id));
    const file = writers.length === 1 ? { hash: writers[0]!.hash, size: writers[0]!.size } : await app.store.concat(writers.map((w) => w.hash));
    changes.push({ path, file });
  }
  // Deletes first: a path that turns from file into folder (or back) is then a plain put.
  changes.sort((a, b) => (a.file === null ? 0 : 1) - (b.file === null ? 0 : 1));
  try {
    const tree = await applyChanges(app.repos.trees, (s) => app.rt.sha256(s), base.output.tree, changes);
    return { ...tree, owners: updates };
  } catch {
    return null; // a file/folder clash with an unchanged datum's output: the full merge names both
  }
}
