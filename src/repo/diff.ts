// Differences between two commits' trees, skipping identical subtrees by
// hash (Merkle diff), so a one-file change in a huge repo costs O(depth).
import { compareBytes } from "../plan/bytewise.ts";
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
  const left = new Map((a ? await loader.load(a) : []).map((e) => [e.name, e] as const));
  const right = new Map((b ? await loader.load(b) : []).map((e) => [e.name, e] as const));
  for (const name of new Set([...left.keys(), ...right.keys()])) {
    const l = left.get(name);
    const r = right.get(name);
    const p = `${prefix}/${name}`;
    if (l && r && l.type === r.type && l.hash === r.hash) continue;
    if (l?.type === "file" && r?.type === "file") out.push({ path: p, change: "modified", size: r.size });
    else if (l?.type === "dir" && r?.type === "dir") await diffDir(loader, l.hash, r.hash, p, out);
    else {
      await side(loader, l, p, "deleted", out);
      await side(loader, r, p, "added", out);
    }
  }
}

async function side(loader: NodeLoader, e: TreeEntry | undefined, p: string, change: "added" | "deleted", out: DiffEntry[]) {
  if (!e) return;
  if (e.type === "file") out.push({ path: p, change, size: e.size });
  else await diffDir(loader, change === "deleted" ? e.hash : null, change === "added" ? e.hash : null, p, out);
}
