// Loads and saves Merkle tree nodes in the `trees` table, with a bounded
// in-memory cache of decoded nodes (nodes are immutable, so caching is always
// safe). A sharded directory's buckets load in batches, not one query each.
import type { Db, Tx } from "../db/client.ts";
import { saveTreeNodes, treeBodies, treeBody } from "../db/queries/trees.ts";
import { decodeDirNode, DEFAULT_SHAPE, findEntry, type DirNode, type TreeShape } from "./shard.ts";
import { listEntries, type NodeLoader, type TreeEntry } from "./tree.ts";

const CACHE_MAX = 20_000;

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
    const body = await treeBody(this.#db, hash);
    if (body === undefined) throw missing(hash);
    return this.#remember(hash, decodeDirNode(body));
  }

  async nodes(hashes: readonly string[]): Promise<DirNode[]> {
    const want = [...new Set(hashes.filter((h) => !this.#cache.has(h)))];
    const got = new Map<string, DirNode>();
    for (const [h, body] of await treeBodies(this.#db, want)) got.set(h, decodeDirNode(body));
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
  save(tx: Tx, nodes: Map<string, string>): Promise<void> {
    return saveTreeNodes(tx, nodes);
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
