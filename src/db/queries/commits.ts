// Commit rows: read (by id, prefix, branch, open), insert with the next
// sequence number, finish, retarget an open commit's tree. A commit's
// provenance is stored as JSON. Whole-history reads (every commit, every
// branch head, dangling parents) for fsck and gc.
import type { Db, Tx } from "../client.ts";

export type Origin = "user" | "job" | "spout" | "cron";

export interface CommitInfo {
  id: string;
  repo: string;
  branch: string;
  parent: string | null;
  origin: Origin;
  started: string;
  finished: string | null;
  tree: string;
  sizeBytes: number;
  provenance: { repo: string; commit: string }[];
  job: string | null;
  message: string;
  /** Set by `Repos.modify` when the change left the tree as it was and no commit was made. */
  unchanged?: boolean;
}

/** What both a Db and a write transaction can read with. */
export type Reader = Pick<Db, "get" | "all"> | Tx;

const COLS = "id, repo, branch, parent, origin, started, finished, tree, size_bytes, provenance, job, message";

export async function getCommit(r: Reader, id: string): Promise<CommitInfo | null> {
  const row = await r.get(`SELECT ${COLS} FROM commits WHERE id = ?`, [id]);
  return row ? toCommit(row) : null;
}

/** Finished commits of `repo` whose id starts with `prefix` (at most `limit`). */
export async function commitsByPrefix(r: Reader, repo: string, prefix: string, limit: number): Promise<CommitInfo[]> {
  const rows = await r.all(`SELECT ${COLS} FROM commits WHERE repo = ? AND id LIKE ? AND finished IS NOT NULL LIMIT ?`, [repo, `${prefix}%`, limit]);
  return rows.map(toCommit);
}

/** The newest commit open (started, not finished) on a branch. */
export async function openCommitOf(r: Reader, repo: string, branch: string): Promise<CommitInfo | null> {
  const row = await r.get(`SELECT ${COLS} FROM commits WHERE repo = ? AND branch = ? AND finished IS NULL ORDER BY seq DESC LIMIT 1`, [repo, branch]);
  return row ? toCommit(row) : null;
}

/** A branch's commits, newest first; `after` (a commit id): only those older than it (the next page). */
export async function commitsOf(r: Reader, repo: string, branch: string, limit?: number, after?: string): Promise<CommitInfo[]> {
  const page = after ? " AND seq < (SELECT seq FROM commits WHERE id = ?)" : "";
  const args: (string | number)[] = [repo, branch, ...(after ? [after] : []), ...(limit ? [limit] : [])];
  const rows = await r.all(`SELECT ${COLS} FROM commits WHERE repo = ? AND branch = ?${page} ORDER BY seq DESC${limit ? " LIMIT ?" : ""}`, args);
  return rows.map(toCommit);
}

/** Inserts a commit row with the next sequence number (commits.seq orders `list commit`). */
export async function insertCommitRow(tx: Tx, c: Omit<CommitInfo, "unchanged">): Promise<void> {
  const seq = Number((await tx.get<{ s: number }>("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM commits"))!.s);
  await tx.run(
    `INSERT INTO commits (id, seq, repo, branch, parent, origin, started, finished, tree, size_bytes, provenance, job, message)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [c.id, seq, c.repo, c.branch, c.parent, c.origin, c.started, c.finished, c.tree, c.sizeBytes, JSON.stringify(c.provenance), c.job, c.message],
  );
}

export async function finishCommitRow(tx: Tx, id: string, finished: string): Promise<void> {
  await tx.run("UPDATE commits SET finished = ? WHERE id = ?", [finished, id]);
}

/** Points an open commit at a new tree. */
export async function setCommitTree(tx: Tx, id: string, tree: string, size: number): Promise<void> {
  await tx.run("UPDATE commits SET tree = ?, size_bytes = ? WHERE id = ?", [tree, size, id]);
}

export async function deleteCommitsOf(tx: Tx, repo: string): Promise<void> {
  await tx.run("DELETE FROM commits WHERE repo = ?", [repo]);
}

export function toCommit(r: any): CommitInfo {
  return {
    id: r.id,
    repo: r.repo,
    branch: r.branch,
    parent: r.parent ?? null,
    origin: r.origin,
    started: r.started,
    finished: r.finished ?? null,
    tree: r.tree,
    sizeBytes: Number(r.size_bytes),
    provenance: JSON.parse(r.provenance ?? "[]"),
    job: r.job ?? null,
    message: r.message ?? "",
  };
}

/**
 * Commits with a sequence number above `seq`, oldest first, at most `limit`
 * (the event stream's look for commits other processes made); with `maxOnly`,
 * just the highest sequence number there is.
 */
export async function commitsAfter(r: Reader, seq: number, limit: number, maxOnly = false): Promise<{ rows: { seq: number; commit: CommitInfo }[]; seq: number }> {
  if (maxOnly) return { rows: [], seq: Number((await r.get<{ s: number }>("SELECT COALESCE(MAX(seq), 0) AS s FROM commits"))!.s) };
  const rows = await r.all<any>(`SELECT seq, ${COLS} FROM commits WHERE seq > ? ORDER BY seq LIMIT ?`, [seq, limit]);
  return { rows: rows.map((x) => ({ seq: Number(x.seq), commit: toCommit(x) })), seq };
}

export interface CommitRoot {
  id: string;
  repo: string;
  branch: string;
  parent: string | null;
  tree: string;
  sizeBytes: number;
  /** null for an open commit (start commit): its tree is referenced all the same. */
  finished: string | null;
}

/** Every commit, newest first (fsck names the newest commit that uses a bad object). */
export async function allCommitRoots(db: Db): Promise<CommitRoot[]> {
  const rows = await db.all<any>("SELECT id, repo, branch, parent, tree, size_bytes, finished FROM commits ORDER BY seq DESC");
  return rows.map((r) => ({ id: r.id, repo: r.repo, branch: r.branch, parent: r.parent ?? null, tree: r.tree, sizeBytes: Number(r.size_bytes), finished: r.finished ?? null }));
}

export interface BranchHeadRow {
  repo: string;
  name: string;
  head: string | null;
  /** The head commit's own repo and branch and finish time; all null when no such commit exists. */
  headRepo: string | null;
  headBranch: string | null;
  headFinished: string | null;
  /** Whether the branch's repo exists. */
  repoExists: boolean;
}

export async function allBranchHeads(db: Db): Promise<BranchHeadRow[]> {
  const rows = await db.all<any>(
    `SELECT b.repo, b.name, b.head, c.repo AS head_repo, c.branch AS head_branch, c.finished AS head_finished,
            EXISTS (SELECT 1 FROM repos r WHERE r.name = b.repo) AS repo_exists
       FROM branches b LEFT JOIN commits c ON c.id = b.head ORDER BY b.repo, b.name`,
  );
  return rows.map((r) => ({
    repo: r.repo, name: r.name, head: r.head ?? null, headRepo: r.head_repo ?? null, headBranch: r.head_branch ?? null,
    headFinished: r.head_finished ?? null, repoExists: Number(r.repo_exists) === 1,
  }));
}

/** Commits whose parent id names no commit, or whose repo does not exist. */
export async function danglingCommits(db: Db): Promise<{ id: string; repo: string; parent: string | null; repoExists: boolean; parentExists: boolean }[]> {
  const rows = await db.all<any>(
    `SELECT c.id, c.repo, c.parent,
            EXISTS (SELECT 1 FROM repos r WHERE r.name = c.repo) AS repo_exists,
            (c.parent IS NULL OR EXISTS (SELECT 1 FROM commits p WHERE p.id = c.parent)) AS parent_exists
       FROM commits c
      WHERE NOT EXISTS (SELECT 1 FROM repos r WHERE r.name = c.repo)
         OR (c.parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM commits p WHERE p.id = c.parent))
      ORDER BY c.seq`,
  );
  return rows.map((r) => ({ id: r.id, repo: r.repo, parent: r.parent ?? null, repoExists: Number(r.repo_exists) === 1, parentExists: Number(r.parent_exists) === 1 }));
}
