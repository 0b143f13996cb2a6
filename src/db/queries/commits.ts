// Whole-history reads of commits and branches for fsck and gc (ops/): every
// commit's tree (open ones included), newest first, and every branch head
// with the state of the commit it names. Per-branch reads live in repo/repos.ts.
import type { Db } from "../client.ts";

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
