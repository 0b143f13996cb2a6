// The stat cache of put file -r (src/store/statcache.ts): per source folder,
// 256 bucket rows (digest + JSON body), and where the folder's last
// --overwrite put went with the tree it left there.
import type { Db } from "../client.ts";
import type { Reader } from "./commits.ts";

export async function bucketDigests(r: Reader, root: string): Promise<Map<number, string>> {
  const rows = await r.all<{ bucket: number; digest: string }>("SELECT bucket, digest FROM stat_cache WHERE root = ?", [root]);
  return new Map(rows.map((x) => [Number(x.bucket), x.digest]));
}

export async function bucketBodies(r: Reader, root: string, buckets: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < buckets.length; i += 200) {
    const chunk = buckets.slice(i, i + 200);
    const rows = await r.all<{ bucket: number; body: string }>(`SELECT bucket, body FROM stat_cache WHERE root = ? AND bucket IN (${chunk.map(() => "?").join(",")})`, [root, ...chunk]);
    for (const x of rows) out.set(Number(x.bucket), x.body);
  }
  return out;
}

export async function statTarget(r: Reader, root: string): Promise<{ target: string; tree: string } | null> {
  const t = await r.get<{ target: string; tree: string }>("SELECT target, tree FROM stat_targets WHERE root = ?", [root]);
  return t ? { target: t.target, tree: t.tree } : null;
}

/**
 * In one transaction: rewrites the given buckets ([bucket, digest, body]; an
 * empty digest deletes the bucket) and, unless `target` is undefined, sets or
 * clears (null) the folder's target.
 */
export async function saveStatCache(db: Db, root: string, rows: [number, string, string][], target: { target: string; tree: string } | null | undefined): Promise<void> {
  await db.write(async (tx) => {
    const gone = rows.filter((r) => !r[1]).map((r) => r[0]);
    if (gone.length) await tx.run(`DELETE FROM stat_cache WHERE root = ? AND bucket IN (${gone.map(() => "?").join(",")})`, [root, ...gone]);
    const keep = rows.filter((r) => r[1]);
    for (let i = 0; i < keep.length; i += 100) {
      const chunk = keep.slice(i, i + 100);
      await tx.run(`INSERT OR REPLACE INTO stat_cache (root, bucket, digest, body) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`, chunk.flatMap((r) => [root, ...r]));
    }
    if (target === undefined) return;
    if (target) await tx.run("INSERT OR REPLACE INTO stat_targets (root, target, tree) VALUES (?, ?, ?)", [root, target.target, target.tree]);
    else await tx.run("DELETE FROM stat_targets WHERE root = ?", [root]);
  });
}
