// Loads and saves Merkle tree nodes in the `trees` table, with a bounded
// in-memory cache (nodes are immutable, so caching is always safe).
import type { Db, Tx } from "../db/client.ts";
import { decodeNode, type NodeLoader, type TreeEntry } from "./tree.ts";

const CACHE_MAX = 20_000;

export class TreeStore implements NodeLoader {
  #db: Db;
  #cache = new Map<string, TreeEntry[]>();
  #index = new Map<string, Map<string, TreeEntry>>();

  constructor(db: Db) {
    this.#db = db;
  }

  async load(hash: string): Promise<TreeEntry[]> {
    const hit = this.#cache.get(hash);
    if (hit) return hit;
    const row = await this.#db.get<{ body: string }>("SELECT body FROM trees WHERE hash = ?", [hash]);
    if (!row) throw new Error(`tree node ${hash} is missing from the database`);
    const entries = decodeNode(row.body);
    if (this.#cache.size >= CACHE_MAX) {
      this.#cache.clear();
      this.#index.clear();
    }
    this.#cache.set(hash, entries);
    return entries;
  }

  /** Forgets cached nodes (after a big listing, to bound memory). */
  dropCache(): void {
    this.#cache.clear();
    this.#index.clear();
  }

  /** One entry of a directory by name, via a per-node index (a flat 100k-entry folder stays O(1)). */
  async child(hash: string, name: string): Promise<TreeEntry | undefined> {
    let idx = this.#index.get(hash);
    if (!idx) {
      const entries = await this.load(hash);
      idx = new Map(entries.map((e) => [e.name, e] as const));
      this.#index.set(hash, idx);
    }
    return idx.get(name);
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
}
