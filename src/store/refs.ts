// The objects a data dir's metadata names: every file of every stored tree
// node (all commits share these), and every output of a cached datum result
// (the skip cache). What `calf store push|pull` copies by default. Reads the db.
import type { Db } from "../db/client.ts";
import { decodeDirNode } from "../repo/shard.ts";

/** Hashes of every object the metadata references, sorted. */
export async function referencedObjects(db: Db, page = 1000): Promise<string[]> {
  const out = new Set<string>();
  for (let after = ""; ; ) {
    const rows = await db.all<{ hash: string; body: string }>("SELECT hash, body FROM trees WHERE hash > ? ORDER BY hash LIMIT ?", [after, page]);
    for (const r of rows) {
      const node = decodeDirNode(r.body);
      if (node.kind === "list") for (const e of node.entries) if (e.type === "file") out.add(e.hash);
    }
    if (rows.length < page) break;
    after = rows[rows.length - 1]!.hash;
  }
  for (let after = ["", ""]; ; ) {
    const rows = await db.all<{ pipeline: string; hash: string; outputs: string }>(
      "SELECT pipeline, hash, outputs FROM datum_results WHERE (pipeline, hash) > (?, ?) ORDER BY pipeline, hash LIMIT ?", [...after, page]);
    for (const r of rows) for (const o of JSON.parse(r.outputs) as { hash: string }[]) out.add(o.hash);
    if (rows.length < page) break;
    const last = rows[rows.length - 1]!;
    after = [last.pipeline, last.hash];
  }
  return [...out].sort();
}
