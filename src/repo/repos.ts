// Versioned data repos: repos, branches, commits (open or finished) and their
// file trees, on top of the metadata db, the object store and tree nodes.
// Every mutation of a branch is one transaction: tree nodes, commit row and
// branch head move together, after the objects they reference are durable.
import type { Db, Tx } from "../db/client.ts";
import type { ObjectStore } from "../store/types.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import { KeyedMutex } from "../mutex.ts";
import { checkName, splitAncestry } from "./paths.ts";
import { applyChanges, emptyTree, lookup, walk, type Change, type Sha256, type WalkEntry } from "./tree.ts";
import { TreeStore } from "./treestore.ts";
import { suggest } from "../spec/suggest.ts";
import { crashPoint } from "../crash.ts";

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
  /** Set by `modify` when the change left the tree as it was and no commit was made. */
  unchanged?: boolean;
}

export interface RepoInfo {
  name: string;
  description: string;
  kind: string;
  created: string;
  head: string | null;
  sizeBytes: number;
}

export interface NewCommit {
  /** Pre-allocated id (a job announces its output commit id to transforms). */
  id?: string;
  repo: string;
  branch: string;
  origin: Origin;
  root: string;
  size: number;
  nodes: Map<string, string>;
  provenance?: { repo: string; commit: string }[];
  job?: string | null;
  message?: string;
  /** Extra statements to run in the same transaction (e.g. a spout marker). */
  extra?: (tx: Tx, commitId: string) => Promise<void>;
}

export interface RepoDeps {
  db: Db;
  store: ObjectStore;
  sha256: Sha256;
  now: () => Date;
}

const COMMIT_COLS = "id, repo, branch, parent, origin, started, finished, tree, size_bytes, provenance, job, message";

export function newId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

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
    if (await this.findRepo(name)) throw conflict(`repo "${name}" already exists`);
    await this.#db.write((tx) => this.insertRepo(tx, name, opts));
  }

  /** Creates the repo if it is missing (pipeline outputs, spouts, cron repos). */
  async ensureRepo(name: string, kind: string, description = ""): Promise<void> {
    if (await this.findRepo(name)) return;
    await this.#db.write(async (tx) => {
      if (!(await tx.get("SELECT 1 FROM repos WHERE name = ?", [name]))) await this.insertRepo(tx, name, { kind, description });
    });
  }

  async insertRepo(tx: Tx, name: string, opts: { description?: string; kind?: string }): Promise<void> {
    const e = emptyTree(this.sha256);
    await tx.run("INSERT OR IGNORE INTO trees (hash, body) VALUES (?, ?)", [e.hash, e.body]);
    await tx.run("INSERT INTO repos (name, description, created, kind) VALUES (?, ?, ?, ?)", [
      name,
      opts.description ?? "",
      this.#now().toISOString(),
      opts.kind ?? "user",
    ]);
    await tx.run("INSERT OR IGNORE INTO branches (repo, name, head) VALUES (?, 'master', NULL)", [name]);
  }

  async findRepo(name: string): Promise<{ name: string; description: string; created: string; kind: string } | undefined> {
    return this.#db.get("SELECT name, description, created, kind FROM repos WHERE name = ?", [name]);
  }

  async repoNames(): Promise<string[]> {
    return (await this.#db.all<{ name: string }>("SELECT name FROM repos ORDER BY name")).map((r) => r.name);
  }

  async requireRepo(name: string) {
    const r = await this.findRepo(name);
    if (r) return r;
    const close = suggest(name, await this.repoNames());
    throw notFound(`repo "${name}" does not exist`, close ? `did you mean "${close}"?` : "list repos with: calf list repo");
  }

  async listRepos(): Promise<RepoInfo[]> {
    const rows = await this.#db.all<any>(
      `SELECT r.name, r.description, r.created, r.kind, b.head, c.size_bytes
         FROM repos r
         LEFT JOIN branches b ON b.repo = r.name AND b.name = 'master'
         LEFT JOIN commits c ON c.id = b.head
        ORDER BY r.name`,
    );
    return rows.map((r) => ({
      name: r.name,
      description: r.description,
      kind: r.kind,
      created: r.created,
      head: r.head ?? null,
      sizeBytes: Number(r.size_bytes ?? 0),
    }));
  }

  async deleteRepo(name: string): Promise<void> {
    await this.requireRepo(name);
    await this.#db.write(async (tx) => {
      await tx.run("DELETE FROM commits WHERE repo = ?", [name]);
      await tx.run("DELETE FROM branches WHERE repo = ?", [name]);
      await tx.run("DELETE FROM repos WHERE name = ?", [name]);
    });
  }

  // --- commits and refs ----------------------------------------------------

  async getCommit(id: string): Promise<CommitInfo | null> {
    const row = await this.#db.get(`SELECT ${COMMIT_COLS} FROM commits WHERE id = ?`, [id]);
    return row ? toCommit(row) : null;
  }

  async branchHead(repo: string, branch: string): Promise<CommitInfo | null> {
    const b = await this.#db.get<{ head: string | null }>("SELECT head FROM branches WHERE repo = ? AND name = ?", [repo, branch]);
    return b?.head ? this.getCommit(b.head) : null;
  }

  async hasBranch(repo: string, branch: string): Promise<boolean> {
    return !!(await this.#db.get("SELECT 1 FROM branches WHERE repo = ? AND name = ?", [repo, branch]));
  }

  async openCommit(repo: string, branch: string): Promise<CommitInfo | null> {
    const row = await this.#db.get(
      `SELECT ${COMMIT_COLS} FROM commits WHERE repo = ? AND branch = ? AND finished IS NULL ORDER BY seq DESC LIMIT 1`,
      [repo, branch],
    );
    return row ? toCommit(row) : null;
  }

  /** Resolves REF (branch, id, unique id prefix >= 4, with ^N) to a finished commit. */
  async resolve(repo: string, ref = "master"): Promise<CommitInfo> {
    await this.requireRepo(repo);
    const { base, depth } = splitAncestry(ref);
    let c: CommitInfo | null = null;
    if (await this.hasBranch(repo, base)) {
      c = await this.branchHead(repo, base);
      if (!c) throw notFound(`branch "${base}" of repo "${repo}" has no commits yet`, `put a file first: calf put file ${repo}@${base}:/path -f FILE`);
    } else if (/^[0-9a-f]{4,}$/.test(base)) {
      const rows = await this.#db.all(`SELECT ${COMMIT_COLS} FROM commits WHERE repo = ? AND id LIKE ? AND finished IS NOT NULL LIMIT 2`, [repo, `${base}%`]);
      if (rows.length > 1) throw invalid(`commit prefix "${base}" is ambiguous in repo "${repo}"`, "give more characters of the id");
      if (rows.length === 1) c = toCommit(rows[0]);
    }
    if (!c) throw notFound(`"${base}" is neither a branch nor a commit of repo "${repo}"`, `list commits with: calf list commit ${repo}`);
    for (let i = 0; i < depth; i++) {
      if (!c.parent) throw notFound(`commit ${c.id} has no ancestor ${depth} back (ref "${ref}")`);
      c = (await this.getCommit(c.parent))!;
    }
    return c;
  }

  async listCommits(repo: string, branch: string, limit?: number): Promise<CommitInfo[]> {
    await this.requireRepo(repo);
    const rows = await this.#db.all(
      `SELECT ${COMMIT_COLS} FROM commits WHERE repo = ? AND branch = ? ORDER BY seq DESC${limit ? " LIMIT ?" : ""}`,
      limit ? [repo, branch, limit] : [repo, branch],
    );
    return rows.map(toCommit);
  }

  /** Inserts a finished commit on a branch and moves the branch head, in `tx`. */
  async insertCommit(tx: Tx, c: NewCommit, parent: string | null, finished: boolean): Promise<CommitInfo> {
    await this.trees.save(tx, c.nodes);
    const id = c.id ?? newId();
    const now = this.#now().toISOString();
    const seq = Number((await tx.get<{ s: number }>("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM commits"))!.s);
    const provenance = c.provenance ?? [];
    await tx.run(
      `INSERT INTO commits (id, seq, repo, branch, parent, origin, started, finished, tree, size_bytes, provenance, job, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, seq, c.repo, c.branch, parent, c.origin, now, finished ? now : null, c.root, c.size, JSON.stringify(provenance), c.job ?? null, c.message ?? ""],
    );
    if (finished) {
      await tx.run("INSERT INTO branches (repo, name, head) VALUES (?, ?, ?) ON CONFLICT (repo, name) DO UPDATE SET head = excluded.head", [c.repo, c.branch, id]);
    }
    if (c.extra) await c.extra(tx, id);
    crashPoint("commit.tx");
    return {
      id, repo: c.repo, branch: c.branch, parent, origin: c.origin, started: now, finished: finished ? now : null,
      tree: c.root, sizeBytes: c.size, provenance, job: c.job ?? null, message: c.message ?? "",
    };
  }

  /** Makes a finished commit with the given tree on top of the branch head. */
  async commit(c: NewCommit): Promise<CommitInfo> {
    await this.store.flush();
    return this.#db.write(async (tx) => {
      const head = await tx.get<{ head: string | null }>("SELECT head FROM branches WHERE repo = ? AND name = ?", [c.repo, c.branch]);
      return this.insertCommit(tx, c, head?.head ?? null, true);
    });
  }

  async startCommit(repo: string, branch: string): Promise<CommitInfo> {
    await this.requireRepo(repo);
    checkName("branch", branch);
    return this.#branchLock.run(`${repo}@${branch}`, async () => {
      if (await this.openCommit(repo, branch)) {
        throw conflict(`a commit is already open on ${repo}@${branch}`, `finish it with: calf finish commit ${repo}@${branch}`);
      }
      const head = await this.branchHead(repo, branch);
      const base = head ? { root: head.tree, size: head.sizeBytes } : { root: emptyTree(this.sha256).hash, size: 0 };
      return this.#db.write((tx) =>
        this.insertCommit(tx, { repo, branch, origin: "user", root: base.root, size: base.size, nodes: new Map() }, head?.id ?? null, false),
      );
    });
  }

  async finishCommit(repo: string, branch: string): Promise<CommitInfo> {
    await this.requireRepo(repo);
    return this.#branchLock.run(`${repo}@${branch}`, async () => {
      const open = await this.openCommit(repo, branch);
      if (!open) throw notFound(`no commit is open on ${repo}@${branch}`, `start one with: calf start commit ${repo}@${branch}`);
      const now = this.#now().toISOString();
      await this.store.flush();
      await this.#db.write(async (tx) => {
        await tx.run("UPDATE commits SET finished = ? WHERE id = ?", [now, open.id]);
        await tx.run("INSERT INTO branches (repo, name, head) VALUES (?, ?, ?) ON CONFLICT (repo, name) DO UPDATE SET head = excluded.head", [repo, branch, open.id]);
      });
      return { ...open, finished: now };
    });
  }

  /**
   * Applies changes computed from the branch's current tree: into the open
   * commit when there is one, else as one new finished commit.
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
      const open = await this.openCommit(repo, branch);
      const head = open ? null : await this.branchHead(repo, branch);
      const baseCommit = open ?? head;
      const base = baseCommit ? { root: baseCommit.tree, size: baseCommit.sizeBytes } : { root: emptyTree(this.sha256).hash, size: 0 };
      const changes = await build(base);
      const next = await applyChanges(this.trees, this.sha256, base.root, changes);
      await this.store.flush();
      return this.#db.write(async (tx) => {
        if (open) {
          await this.trees.save(tx, next.nodes);
          await tx.run("UPDATE commits SET tree = ?, size_bytes = ? WHERE id = ?", [next.root, next.size, open.id]);
          return { ...open, tree: next.root, sizeBytes: next.size };
        }
        // Nothing changed (e.g. the same folder put again): no empty commit, no job.
        if (head && next.root === head.tree) return { ...head, unchanged: true };
        const newCommit = { repo, branch, origin, root: next.root, size: next.size, nodes: next.nodes, message: opts.message };
        return this.insertCommit(tx, newCommit, head?.id ?? null, true);
      });
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
