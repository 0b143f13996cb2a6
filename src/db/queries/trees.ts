// Tree node rows: `trees(hash, body)`, content-addressed and immutable.
import type { Db, Tx } from "../client.ts";
import type { Reader } from "./commits.ts";

const BATCH = 500;

export async function treeBody(r: Reader, hash: string): Promise<string | undefined> {
  return (await r.get<{ body: string }>("SELECT body FROM trees WHERE hash = ?", [hash]))?.body;
}

/** Bodies of many nodes (batched); a missing node is absent from the map. */
export async function treeBodies(r: Reader, hashes: readonly string[]): Promise<Map<string, string>> {
  const got = new Map<string, string>();
  for (let i = 0; i < hashes.length; i += BATCH) {
    const chunk = hashes.slice(i, i + BATCH);
    const rows = await r.all<{ hash: string; body: string }>(`SELECT hash, body FROM trees WHERE hash IN (${chunk.map(() => "?").join(",")})`, chunk);
    for (const row of rows) got.set(row.hash, row.body);
  }
  return got;
}

/** Saves nodes (idempotent: a node is named by its content). */
export async function saveTreeNodes(tx: Tx, nodes: Iterable<[string, string]>): Promise<void> {
  const all = [...nodes];
  for (let i = 0; i < all.length; i += 200) {
    const chunk = all.slice(i, i + 200);
    await tx.run(`INSERT OR IGNORE INTO trees (hash, body) VALUES ${chunk.map(() => "(?, ?)").join(", ")}`, chunk.flat());
  }
}

/** Tree nodes in hash order after `after`, at most `limit` (a whole-store scan, page by page). */
export async function treeNodesAfter(r: Reader, after: string, limit: number): Promise<{ hash: string; body: string }[]> {
  return r.all<{ hash: string; body: string }>("SELECT hash, body FROM trees WHERE hash > ? ORDER BY hash LIMIT ?", [after, limit]);
}

/** How many tree nodes are stored (reachable or not). */
export async function treeCount(db: Db): Promise<number> {
  return Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM trees"))?.n ?? 0);
}
