// Commit rows: read (by id, prefix, branch, open), insert with the next
// sequence number, finish, retarget an open commit's tree. A commit's
// provenance is stored as JSON.
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
