// Versioned data repos: repos, branches, commits (open or finished) and their
// file trees, on top of the metadata db, the object store and tree nodes.
// Every mutation of a branch is one transaction: tree nodes, commit row and
// branch head move together, after the objects they reference are durable.
// Other processes write too (a put while a runner runs): a change computed
// from a branch state that moved meanwhile is computed again (`modify`) or
// refused (`commit` with `expect`), never written over it.
import type { Db, Tx } from "../db/client.ts";
import { ensureBranch, deleteBranchesOf, headOf, setHead } from "../db/queries/branches.ts";
import { commitsByPrefix, commitsOf, deleteCommitsOf, finishCommitRow, getCommit, insertCommitRow, openCommitOf, setCommitTree, type CommitInfo, type Origin } from "../db/queries/commits.ts";
import { deleteRepoRow, getRepo, insertRepoRow, listRepoInfos, repoNames, type RepoInfo, type RepoRow } from "../db/queries/repos.ts";
import { saveTreeNodes } from "../db/queries/trees.ts";
import type { ObjectStore } from "../store/types.ts";
import { conflict, notFound } from "../errors.ts";
import { KeyedMutex } from "../mutex.ts";
import { checkName } from "./paths.ts";
import { applyChanges, emptyTree, lookup, walk, type Change, type Sha256, type WalkEntry } from "./tree.ts";
import { TreeStore } from "./treestore.ts";
import { suggest } from "../spec/suggest.ts";
import { crashPoint } from "../crash.ts";

export type { CommitInfo, Origin } from "../db/queries/commits.ts";
export { newId, StaleHead, type NewCommit } from "./commit.ts";
import { StaleHead, newId, type NewCommit } from "./commit.ts";
import { resolveRef } from "./refs.ts";
export type { RepoInfo } from "../db/queries/repos.ts";

export interface RepoDeps {
  db: Db;
  store: ObjectStore;
  sha256: Sha256;
  now: () => Date;
}

/** How often `modify` computes a change again when other writers keep moving the branch. */
const MODIFY_TRIES = 20;

export class Repos {
  readonly trees: TreeStore;
  readonly store: ObjectStore;
  readonly sha256: Sha256;
  #db: Db;
  #now: () => Date;
  #branchLock = new KeyedMutex();

  constructor(deps: RepoDeps) {
    this.#db = deps.db;
    this.store = deps.store;
    this.sha256 = deps.sha256;
    this.#now = deps.now;
    this.trees = new TreeStore(deps.db);
  }

  // --- repos ---------------------------------------------------------------

  async createRepo(name: string, opts: { description?: string; kind?: string } = {}): Promise<void> {
    checkName("repo", name);
    const created = await this.#db.write((tx) => this.insertRepo(tx, name, opts));
    if (!created) throw conflict(`repo "${name}" already exists`);
  }

  /** Creates the repo if it is missing (pipeline outputs, spouts, cron repos). */
  async ensureRepo(name: string, kind: string, description = ""): Promise<void> {
    if (await this.findRepo(name)) return;
    await this.#db.write((tx) => this.insertRepo(tx, name, { kind, description }));
  }

  /** Inserts a repo with its empty master branch; false when it exists. */
  async insertRepo(tx: Tx, name: string, opts: { description?: string; kind?: string }): Promise<boolean> {
    const e = emptyTree(this.sha256);
    const row: RepoRow = { name, description: opts.description ?? "", created: this.#now().toISOString(), kind: opts.kind ?? "user" };
    if (!(await insertRepoRow(tx, row))) return false;
    await saveTreeNodes(tx, [[e.hash, e.body]]);
    await ensureBranch(tx, name, "master");
    return true;
  }

  findRepo(name: string): Promise<RepoRow | undefined> {
    return getRepo(this.#db, name);
  }

  repoNames(): Promise<string[]> {
    return repoNames(this.#db);
  }

  async requireRepo(name: string) {
    const r = await this.findRepo(name);
    if (r) return r;
    const close = suggest(name, await this.repoNames());
    throw notFound(`repo "${name}" does not exist`, close ? `did you mean "${close}"?` : "list repos with: calf list repo");
  }

  listRepos(): Promise<RepoInfo[]> {
    return listRepoInfos(this.#db);
  }

  async deleteRepo(name: string): Promise<void> {
    await this.requireRepo(name);
    await this.#db.write(async (tx) => {
      await deleteCommitsOf(tx, name);
      await deleteBranchesOf(tx, name);
      await deleteRepoRow(tx, name);
    });
  }

  // --- commits and refs ----------------------------------------------------

  getCommit(id: string): Promise<CommitInfo | null> {
    return getCommit(this.#db, id);
  }

  async branchHead(repo: string, branch: string): Promise<CommitInfo | null> {
    const head = await headOf(this.#db, repo, branch);
    return head ? this.getCommit(head) : null;
  }

  async hasBranch(repo: string, branch: string): Promise<boolean> {
    return (await headOf(this.#db, repo, branch)) !== undefined;
  }

  openCommit(repo: string, branch: string): Promise<CommitInfo | null> {
    return openCommitOf(this.#db, repo, branch);
  }

  /** Resolves REF (branch, id, unique id prefix >= 4, with ^N) to a finished commit. */
  resolve(repo: string, ref = "master"): Promise<CommitInfo> {
    return resolveRef(this, repo, ref);
  }

  commitsByPrefix(repo: string, prefix: string, limit: number): Promise<CommitInfo[]> {
    return commitsByPrefix(this.#db, repo, prefix, limit);
  }

  async listCommits(repo: string, branch: string, limit?: number, after?: string): Promise<CommitInfo[]> {
    await this.requireRepo(repo);
    return commitsOf(this.#db, repo, branch, limit, after);
  }

  /** Inserts a commit on a branch (moving the head when `finished`), in `tx`. */
  async insertCommit(tx: Tx, c: NewCommit, parent: string | null, finished: boolean): Promise<CommitInfo> {
    await this.trees.save(tx, c.nodes);
    const now = this.#now().toISOString();
    const row: CommitInfo = {
      id: c.id ?? newId(), repo: c.repo, branch: c.branch, parent, origin: c.origin, started: now, finished: finished ? now : null,
      tree: c.root, sizeBytes: c.size, provenance: c.provenance ?? [], job: c.job ?? null, message: c.message ?? "",
    };
    await insertCommitRow(tx, row);
    if (finished) await setHead(tx, c.repo, c.branch, row.id);
    if (c.extra) await c.extra(tx, row.id);
    crashPoint("commit.tx");
    return row;
  }

  /** Makes a finished commit with the given tree on top of the branch head (refused with StaleHead if `expect` is not the head). */
  async commit(c: NewCommit): Promise<CommitInfo> {
    await this.store.flush();
    return this.#db.write(async (tx) => {
      const head = (await headOf(tx, c.repo, c.branch)) ?? null;
      if (c.expect !== undefined && head !== c.expect) throw new StaleHead(c.repo, c.branch);
      return this.insertCommit(tx, c, head, true);
    });
  }

  async startCommit(repo: string, branch: string): Promise<CommitInfo> {
    await this.requireRepo(repo);
    checkName("branch", branch);
    return this.#branchLock.run(`${repo}@${branch}`, () =>
      this.#db.write(async (tx) => {
        if (await openCommitOf(tx, repo, branch)) {
          throw conflict(`a commit is already open on ${repo}@${branch}`, `finish it with: calf finish commit ${repo}@${branch}`);
        }
        const headId = (await headOf(tx, repo, branch)) ?? null;
        const head = headId ? await getCommit(tx, headId) : null;
        const base = head ? { root: head.tree, size: head.sizeBytes } : { root: emptyTree(this.sha256).hash, size: 0 };
        return this.insertCommit(tx, { repo, branch, origin: "user", root: base.root, size: base.size, nodes: new Map() }, headId, false);
      })
    );
  }

  async finishCommit(repo: string, branch: string): Promise<CommitInfo> {
    await this.requireRepo(repo);
    return this.#branchLock.run(`${repo}@${branch}`, async () => {
      await this.store.flush();
      return this.#db.write(async (tx) => {
        const open = await openCommitOf(tx, repo, branch);
        if (!open) throw notFound(`no commit is open on ${repo}@${branch}`, `start one with: calf start commit ${repo}@${branch}`);
        const now = this.#now().toISOString();
        await finishCommitRow(tx, open.id, now);
        await setHead(tx, repo, branch, open.id);
        return { ...open, finished: now };
      });
    });
  }

  /**
   * Applies changes computed from the branch's current tree: into the open
   * commit when there is one, else as one new finished commit. When another
   * process moved the branch (or its open commit) meanwhile, `build` runs
   * again on the new state, so no change is lost.
   */
  async modify(
    repo: string,
    branch: string,
    origin: Origin,
    build: (base: { root: string; size: number }) => Promise<Change[]>,
    opts: { message?: string } = {},
  ): Promise<CommitInfo> {
    await this.requireRepo(repo);
    checkName("branch", branch);
    return this.#branchLock.run(`${repo}@${branch}`, async () => {
      for (let attempt = 1; ; attempt++) {
        const open = await this.openCommit(repo, branch);
        const head = open ? null : await this.branchHead(repo, branch);
        const baseCommit = open ?? head;
        const base = baseCommit ? { root: baseCommit.tree, size: baseCommit.sizeBytes } : { root: emptyTree(this.sha256).hash, size: 0 };
        const changes = await build(base);
        const next = await applyChanges(this.trees, this.sha256, base.root, changes);
        await this.store.flush();
        const done = await this.#db.write(async (tx): Promise<CommitInfo | null> => {
          const nowOpen = await openCommitOf(tx, repo, branch);
          if (open) {
            if (nowOpen?.id !== open.id || nowOpen.tree !== open.tree) return null;
            await this.trees.save(tx, next.nodes);
            await setCommitTree(tx, open.id, next.root, next.size);
            return { ...open, tree: next.root, sizeBytes: next.size };
          }
          if (nowOpen || ((await headOf(tx, repo, branch)) ?? null) !== (head?.id ?? null)) return null;
          // Nothing changed (e.g. the same folder put again): no empty commit, no job.
          if (head && next.root === head.tree) return { ...head, unchanged: true };
          const newCommit = { repo, branch, origin, root: next.root, size: next.size, nodes: next.nodes, message: opts.message };
          return this.insertCommit(tx, newCommit, head?.id ?? null, true);
        });
        if (done) return done;
        if (attempt >= MODIFY_TRIES) throw conflict(`${repo}@${branch} kept changing while calf tried to commit to it (${attempt} tries)`, "try again");
      }
    });
  }

  // --- files ---------------------------------------------------------------

  lookup(c: CommitInfo, path: string): Promise<WalkEntry | null> {
    return lookup(this.trees, c.tree, c.sizeBytes, path);
  }

  /** Every file and dir of a commit (root "/" included), byte-wise path order. */
  listAll(c: { tree: string; sizeBytes: number }): Promise<WalkEntry[]> {
    return walk(this.trees, c.tree, c.sizeBytes, { recursive: true, includeSelf: true });
  }

  async listDir(c: CommitInfo, path: string, recursive: boolean): Promise<WalkEntry[]> {
    const at = await this.lookup(c, path);
    if (!at) throw notFound(`path "${path}" does not exist in ${c.repo}@${c.id}`);
    if (at.type === "file") return [at];
    return walk(this.trees, at.hash, at.size, { recursive, includeSelf: false, base: at.path });
  }
}
