// Raw tree node bodies by hash, for fsck's walk (which checks each body
// against its hash) and gc's mark; repo/treestore.ts is the decoding, caching
// reader the rest of calf uses.
import type { Db } from "../client.ts";

const CHUNK = 500;

/** The stored bodies of `hashes` (missing ones are absent from the map). */
export async function treeBodies(db: Db, hashes: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < hashes.length; i += CHUNK) {
    const chunk = hashes.slice(i, i + CHUNK);
    const rows = await db.all<{ hash: string; body: string }>(`SELECT hash, body FROM trees WHERE hash IN (${chunk.map(() => "?").join(",")})`, [...chunk]);
    for (const r of rows) out.set(r.hash, r.body);
  }
  return out;
}

/** How many tree nodes are stored (reachable or not). */
export async function treeCount(db: Db): Promise<number> {
  return Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM trees"))?.n ?? 0);
}
