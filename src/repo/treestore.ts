// Loads and saves Merkle tree nodes in the `trees` table, with a bounded
// in-memory cache of decoded nodes (nodes are immutable, so caching is always
// safe). A sharded directory's buckets load in batches, not one query each.
import type { Db, Tx } from "../db/client.ts";
import { decodeDirNode, DEFAULT_SHAPE, findEntry, type DirNode, type TreeShape } from "./shard.ts";
import { listEntries, type NodeLoader, type TreeEntry } from "./tree.ts";

const CACHE_MAX = 20_000;
const BATCH = 500;

export class TreeStore implements NodeLoader {
  /** How new directories are laid out; every writer of one data dir should use the same. */
  shape: TreeShape = DEFAULT_SHAPE;
  #db: Db;
  #cache = new Map<string, DirNode>();
  #cachedEntries = 0;

  constructor(db: Db) {
    this.#db = db;
  }

  async node(hash: string): Promise<DirNode> {
    const hit = this.#cache.get(hash);
    if (hit) return hit;
    const row = await this.#db.get<{ body: string }>("SELECT body FROM trees WHERE hash = ?", [hash]);
    if (!row) throw missing(hash);
    return this.#remember(hash, decodeDirNode(row.body));
  }

  async nodes(hashes: readonly string[]): Promise<DirNode[]> {
    const want = [...new Set(hashes.filter((h) => !this.#cache.has(h)))];
    const got = new Map<string, DirNode>();
    for (let i = 0; i < want.length; i += BATCH) {
      const chunk = want.slice(i, i + BATCH);
      const rows = await this.#db.all<{ hash: string; body: string }>(`SELECT hash, body FROM trees WHERE hash IN (${chunk.map(() => "?").join(",")})`, chunk);
      for (const r of rows) got.set(r.hash, decodeDirNode(r.body));
    }
    return hashes.map((h) => {
      const n = this.#cache.get(h) ?? got.get(h);
      if (!n) throw missing(h);
      return this.#remember(h, n);
    });
  }

  /** A directory's entries in byte order of name. */
  load(hash: string): Promise<TreeEntry[]> {
    return listEntries(this, hash);
  }

  /** One entry of a directory by name: O(log n) in a list node, a few small nodes in a sharded one. */
  async child(hash: string, name: string): Promise<TreeEntry | undefined> {
    return findEntry(this, await this.node(hash), name);
  }

  /** Directory entries held by the cached nodes: how big the listings read since the last drop were. */
  get cachedEntries(): number {
    return this.#cachedEntries;
  }

  /** Forgets cached nodes (after a big listing, to bound memory). */
  dropCache(): void {
    this.#cache.clear();
    this.#cachedEntries = 0;
  }

  /** Saves new nodes inside the caller's transaction (idempotent). */
  async save(tx: Tx, nodes: Map<string, string>): Promise<void> {
    const all = [...nodes];
    for (let i = 0; i < all.length; i += 200) {
      const chunk = all.slice(i, i + 200);
      await tx.run(
        `INSERT OR IGNORE INTO trees (hash, body) VALUES ${chunk.map(() => "(?, ?)").join(", ")}`,
        chunk.flat(),
      );
    }
  }

  #remember(hash: string, n: DirNode): DirNode {
    if (this.#cache.has(hash)) return n;
    if (this.#cache.size >= CACHE_MAX) this.dropCache();
    this.#cache.set(hash, n);
    if (n.kind === "list") this.#cachedEntries += n.entries.length;
    return n;
  }
}

function missing(hash: string): Error {
  return new Error(`tree node ${hash} is missing from the database`);
}
