// calf fsck: the database's integrity check; every object a commit, marker or cached result
// references exists, has its size and hashes to its name, as does every tree node on the
// way; heads, parents, markers, jobs and datum indexes point at what exists. Each problem
// names what uses the bad thing. Reports (repair: removes, as gc does) what nothing references.
import { checkIndexes } from "./indexcheck.ts";
import { allBranchHeads, danglingCommits } from "../db/queries/commits.ts";
import { integrityCheck } from "../db/queries/integrity.ts";
import { jobsWithoutOutput } from "../db/queries/jobs.ts";
import { forEachLimit } from "../repo/files.ts";
import { add, leftovers, tally, type OpsApp, type Tally } from "./gc.ts";
import { reclaim } from "./leftovers.ts";
import { collectRefs } from "./refs.ts";
import { describeUse, findUses, type Use } from "./uses.ts";

export type ProblemKind =
  | "database" | "object_missing" | "object_corrupt" | "object_size" | "node_missing" | "node_corrupt"
  | "branch" | "commit" | "marker" | "job" | "datum_index";

export interface Problem {
  kind: ProblemKind;
  /** One line: what is wrong and what uses it. */
  message: string;
  object?: string;
  /** Who uses the bad object or node (the first few) and how many in all. */
  uses?: Use[];
  total_uses?: number;
  repo?: string;
  commit?: string;
  pipeline?: string;
}

export interface FsckOptions {
  /** Re-read every referenced object and check its hash (false: existence and size only). */
  verify: boolean;
  /** Remove unreferenced objects older than graceMs, and leftovers (as gc does). */
  repair?: boolean;
  /** Unreferenced objects stored or reused this recently are "young" (kept by repair and gc). */
  graceMs: number;
  now: () => number;
}

export interface FsckReport {
  ok: boolean;
  problems: Problem[];
  checked: { commits: number; markers: number; results: number; nodes: number; objects: number; bytes: number; verified: boolean };
  unreferenced: Tally & { young: number };
  leftovers: { temp: Tally; scratch: Tally; aside: number };
  repaired: { objects: Tally; temp: number; scratch: number; restored: number } | null;
}

/** Objects re-hashed side by side. */
const VERIFY_CONCURRENCY = 4;

export async function fsck(app: OpsApp, opts: FsckOptions): Promise<FsckReport> {
  const sha256 = (s: string) => app.rt.sha256(s);
  const problems: Problem[] = [];
  // A libSQL server (CALF_DB_URL=libsql:/http:) checks its own files.
  const local = app.settings.dbUrl.startsWith("file:");
  for (const line of local ? await integrityCheck(app.db) : []) {
    if (line !== "ok") problems.push({ kind: "database", message: `database: ${line}` });
  }
  const refs = await collectRefs(app.db, sha256);
  // Listed after the mark: an object committed before the mark was stored before it.
  const stored = new Map<string, { size: number; mtimeMs: number }>();
  for await (const o of app.store.list()) stored.set(o.hash, { size: o.size, mtimeMs: o.mtimeMs });

  const bad = new Map<string, { kind: ProblemKind; why: string }>();
  for (const n of refs.badNodes) {
    bad.set(n.hash, n.why === "missing"
      ? { kind: "node_missing", why: "tree node missing from the database" }
      : { kind: "node_corrupt", why: "tree node corrupt (its body does not hash to its name)" });
  }
  let bytes = 0;
  const present: [string, number][] = [];
  for (const [hash, size] of refs.objects) {
    const s = stored.get(hash);
    if (!s) bad.set(hash, { kind: "object_missing", why: "missing from the object store" });
    else if (s.size !== size) bad.set(hash, { kind: "object_size", why: `stored with ${s.size} bytes, the metadata says ${size}` });
    else {
      present.push([hash, size]);
      bytes += size;
    }
  }
  if (opts.verify) {
    await forEachLimit(present, VERIFY_CONCURRENCY, async ([hash]) => {
      const got = await rehash(app, hash);
      if (got !== hash) bad.set(hash, got === null ? { kind: "object_missing", why: "missing from the object store" } : { kind: "object_corrupt", why: `corrupt: its bytes hash to ${got}` });
    });
  }
  if (bad.size) {
    const uses = await findUses(app.db, sha256, new Set(bad.keys()), refs);
    for (const [hash, b] of bad) {
      const u = uses.get(hash) ?? { uses: [], total: 0 };
      const first = u.uses[0];
      const where = first ? `: used by ${describeUse(first)}${u.total > 1 ? ` (and ${u.total - 1} more)` : ""}` : "";
      const what = b.kind.startsWith("node") ? "tree node" : "object";
      problems.push({ kind: b.kind, object: hash, message: `${what} ${hash}: ${b.why}${where}`, uses: u.uses, total_uses: u.total });
    }
  }
  await checkLinks(app, problems);
  for (const m of refs.markers.filter((x) => !x.commitExists)) {
    problems.push({ kind: "marker", pipeline: m.pipeline, commit: m.commitId, message: `marker of spout ${m.pipeline}: commit ${m.commitId} does not exist` });
  }
  for (const p of await checkIndexes(app)) problems.push({ kind: "datum_index", pipeline: p.pipeline, commit: p.commit ?? undefined, message: p.message });

  const unreferenced = { ...tally(), young: 0 };
  const cutoff = opts.now() - opts.graceMs;
  const sweep: [string, number, number][] = [];
  for (const [hash, s] of stored) {
    if (refs.objects.has(hash)) continue;
    add(unreferenced, s.size);
    if (s.mtimeMs > cutoff) unreferenced.young++;
    else sweep.push([hash, s.size, s.mtimeMs]);
  }
  const left = await leftovers(app, {});
  const lt = { temp: tally(), scratch: tally(), aside: 0 };
  for (const l of left) {
    if (l.kind === "aside") lt.aside++;
    else add(l.kind === "temp" ? lt.temp : lt.scratch, l.bytes);
  }
  let repaired: FsckReport["repaired"] = null;
  if (opts.repair) {
    const r = reclaim(left, app.settings.dataDir);
    const objects = tally();
    for (const [hash, size, mtimeMs] of sweep) if (await app.store.delete(hash, { unchangedSince: mtimeMs })) add(objects, size);
    repaired = { objects, temp: lt.temp.count, scratch: lt.scratch.count, restored: r.restored };
  }
  return {
    ok: problems.length === 0,
    problems,
    checked: { commits: refs.commits.length, markers: refs.markers.length, results: refs.results, nodes: refs.nodes, objects: refs.objects.size, bytes, verified: opts.verify },
    unreferenced,
    leftovers: lt,
    repaired,
  };
}

/** SHA-256 of an object's bytes as the store gives them; null when it cannot be read (gone). */
async function rehash(app: OpsApp, hash: string): Promise<string | null> {
  const h = app.rt.sha256Hasher();
  try {
    for await (const chunk of app.store.stream(hash)) h.update(chunk);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return null;
    throw err;
  }
  return h.digest();
}

/** Branch heads, commit parents and successful jobs point at commits that exist. */
async function checkLinks(app: OpsApp, problems: Problem[]): Promise<void> {
  for (const b of await allBranchHeads(app.db)) {
    const at = { repo: b.repo, commit: b.head ?? undefined };
    if (!b.repoExists) problems.push({ kind: "branch", ...at, message: `branch ${b.repo}@${b.name}: its repo does not exist` });
    if (b.head === null) continue;
    if (b.headRepo === null) problems.push({ kind: "branch", ...at, message: `branch ${b.repo}@${b.name}: head ${b.head} does not exist` });
    else if (b.headRepo !== b.repo) problems.push({ kind: "branch", ...at, message: `branch ${b.repo}@${b.name}: head ${b.head} is a commit of repo ${b.headRepo}` });
    else if (b.headFinished === null) problems.push({ kind: "branch", ...at, message: `branch ${b.repo}@${b.name}: head ${b.head} is an open commit, not a finished one` });
  }
  for (const c of await danglingCommits(app.db)) {
    if (!c.repoExists) problems.push({ kind: "commit", repo: c.repo, commit: c.id, message: `commit ${c.id}: its repo ${c.repo} does not exist` });
    if (!c.parentExists) problems.push({ kind: "commit", repo: c.repo, commit: c.id, message: `commit ${c.id} of ${c.repo}: parent ${c.parent} does not exist` });
  }
  for (const j of await jobsWithoutOutput(app.db)) {
    problems.push({ kind: "job", pipeline: j.pipeline, commit: j.outputCommit ?? undefined, message: `job ${j.id} of ${j.pipeline} succeeded, but its output commit ${j.outputCommit ?? "(none)"} does not exist` });
  }
}
