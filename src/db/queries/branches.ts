// Branch rows: list, create (empty or at a commit) and delete. A branch's
// commits stay in `commits` when it is deleted (reachable by id), as in
// Pachyderm; only the name and its head go.
import type { Db, Tx } from "../client.ts";
import type { Reader } from "./commits.ts";

export interface BranchRow {
  repo: string;
  name: string;
  head: string | null;
  /** When the head commit finished; null for an empty branch. */
  finished: string | null;
  /** The id of a commit open on the branch (start commit), or null. */
  open: string | null;
}

export async function listBranches(db: Db, repo: string): Promise<BranchRow[]> {
  const rows = await db.all<any>(
    `SELECT b.repo, b.name, b.head, c.finished,
            (SELECT o.id FROM commits o WHERE o.repo = b.repo AND o.branch = b.name AND o.finished IS NULL ORDER BY o.seq DESC LIMIT 1) AS open
       FROM branches b LEFT JOIN commits c ON c.id = b.head
      WHERE b.repo = ? ORDER BY b.name`,
    [repo],
  );
  return rows.map((r) => ({ repo: r.repo, name: r.name, head: r.head ?? null, finished: r.finished ?? null, open: r.open ?? null }));
}

/** Creates a branch at `head` (a commit id of the repo) or empty; false when it already exists. */
export async function insertBranch(db: Db, repo: string, name: string, head: string | null): Promise<boolean> {
  return db.write(async (tx) => {
    if (await tx.get("SELECT 1 FROM branches WHERE repo = ? AND name = ?", [repo, name])) return false;
    await tx.run("INSERT INTO branches (repo, name, head) VALUES (?, ?, ?)", [repo, name, head]);
    return true;
  });
}

/** Deletes a branch (not its commits); false when there was none. */
export async function deleteBranch(db: Db, repo: string, name: string): Promise<boolean> {
  return db.write(async (tx) => {
    if (!(await tx.get("SELECT 1 FROM branches WHERE repo = ? AND name = ?", [repo, name]))) return false;
    await tx.run("DELETE FROM branches WHERE repo = ? AND name = ?", [repo, name]);
    return true;
  });
}

/** A branch's head commit id: null for an empty branch, undefined when there is no such branch. */
export async function headOf(r: Reader, repo: string, branch: string): Promise<string | null | undefined> {
  const row = await r.get<{ head: string | null }>("SELECT head FROM branches WHERE repo = ? AND name = ?", [repo, branch]);
  return row === undefined ? undefined : (row.head ?? null);
}

/** Moves (or creates) a branch's head. */
export async function setHead(tx: Tx, repo: string, branch: string, head: string): Promise<void> {
  await tx.run("INSERT INTO branches (repo, name, head) VALUES (?, ?, ?) ON CONFLICT (repo, name) DO UPDATE SET head = excluded.head", [repo, branch, head]);
}

/** Creates an empty branch unless it exists. */
export async function ensureBranch(tx: Tx, repo: string, branch: string): Promise<void> {
  await tx.run("INSERT OR IGNORE INTO branches (repo, name, head) VALUES (?, ?, NULL)", [repo, branch]);
}

export async function deleteBranchesOf(tx: Tx, repo: string): Promise<void> {
  await tx.run("DELETE FROM branches WHERE repo = ?", [repo]);
}
