// Branch rows: list, create (empty or at a commit) and delete. A branch's
// commits stay in `commits` when it is deleted (reachable by id), as in
// Pachyderm; only the name and its head go.
import type { Db } from "../client.ts";

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
