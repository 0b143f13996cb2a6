// Test helper: an in-memory NodeLoader for the pure Merkle tree code, and a
// node:crypto SHA-256 so tree tests need no Runtime.
import { createHash } from "node:crypto";
import { decodeDirNode, type DirNode, type TreeShape } from "../../src/repo/shard.ts";
import { emptyTree, listEntries, type NodeLoader, type TreeEntry, type TreeResult } from "../../src/repo/tree.ts";

export const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

/** Holds tree nodes by hash; `add` them from every TreeResult, as a commit would. */
export class MemLoader implements NodeLoader {
  readonly bodies = new Map<string, string>();
  loads = 0;

  /** `shape`: a tiny layout makes a handful of entries shard (the default needs thousands). */
  constructor(readonly shape?: TreeShape) {
    const e = emptyTree(sha256);
    this.bodies.set(e.hash, e.body);
  }

  async node(hash: string): Promise<DirNode> {
    this.loads++;
    const body = this.bodies.get(hash);
    if (body === undefined) throw new Error(`MemLoader: no node ${hash}`);
    return decodeDirNode(body);
  }

  /** A directory's entries in name order. */
  load(hash: string): Promise<TreeEntry[]> {
    return listEntries(this, hash);
  }

  add(r: TreeResult): TreeResult {
    for (const [h, b] of r.nodes) this.bodies.set(h, b);
    return r;
  }
}

/** The empty tree's root hash. */
export const EMPTY = emptyTree(sha256).hash;

/** A fake stored file whose hash is derived from `content` (trees never read objects). */
export const fileRef = (content: string) => ({ hash: sha256(content), size: content.length });
