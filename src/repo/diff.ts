// Differences between two commits' trees, skipping identical subtrees (and
// identical buckets of a sharded directory) by hash (Merkle diff), so a
// one-file change in a huge repo costs O(depth) small nodes.
import { compareBytes } from "../plan/bytewise.ts";
import { diffNodes, EMPTY_LIST } from "./shard.ts";
import type { NodeLoader, TreeEntry } from "./tree.ts";

export interface DiffEntry {
  path: string;
  change: "added" | "modified" | "deleted";
  size: number;
}

export async function diffTrees(loader: NodeLoader, from: string | null, to: string | null): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  await diffDir(loader, from, to, "", out);
  return out.sort((a, b) => compareBytes(a.path, b.path));
}

async function diffDir(loader: NodeLoader, a: string | null, b: string | null, prefix: string, out: DiffEntry[]): Promise<void> {
  if (a === b) return;
  const left = a ? await loader.node(a) : EMPTY_LIST;
  const right = b ? await loader.node(b) : EMPTY_LIST;
  await diffNodes(loader, left, right, async (name, l, r) => {
    const p = `${prefix}/${name}`;
    if (l?.type === "file" && r?.type === "file") out.push({ path: p, change: "modified", size: r.size });
    else if (l?.type === "dir" && r?.type === "dir") await diffDir(loader, l.hash, r.hash, p, out);
    else {
      await side(loader, l, p, "deleted", out);
      await side(loader, r, p, "added", out);
    }
  });
}

async function side(loader: NodeLoader, e: TreeEntry | undefined, p: string, change: "added" | "deleted", out: DiffEntry[]) {
  if (!e) return;
  if (e.type === "file") out.push({ path: p, change, size: e.size });
  else await diffDir(loader, change === "deleted" ? e.hash : null, change === "added" ? e.hash : null, p, out);
}
