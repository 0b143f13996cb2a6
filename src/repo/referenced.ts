// The objects a data dir's metadata names: every file of every stored tree
// node (all commits share these), and every output of a cached datum result
// (the skip cache). What `calf store push|pull` copies by default. Reads the db.
import type { Db } from "../db/client.ts";
import { eachResult } from "../db/queries/results.ts";
import { treeNodesAfter } from "../db/queries/trees.ts";
import { decodeDirNode } from "./shard.ts";

/** Hashes of every object the metadata references, sorted. */
export async function referencedObjects(db: Db, page = 1000): Promise<string[]> {
  const out = new Set<string>();
  for (let after = ""; ; ) {
    const rows = await treeNodesAfter(db, after, page);
    for (const r of rows) {
      const node = decodeDirNode(r.body);
      if (node.kind === "list") for (const e of node.entries) if (e.type === "file") out.add(e.hash);
    }
    if (rows.length < page) break;
    after = rows[rows.length - 1]!.hash;
  }
  for await (const r of eachResult(db, page)) for (const o of r.outputs) out.add(o.hash);
  return [...out].sort();
}
