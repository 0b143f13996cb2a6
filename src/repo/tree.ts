// Merkle file trees: a directory is a node listing its entries (name, type,
// hash, size) — or, when it is big, a shard node over such listings
// (shard.ts) — addressed by the hash of its body, so a commit that changes
// one file rewrites only the nodes on that file's path and shares the rest
// with its parent, and a directory's hash covers its whole subtree.
// Pure apart from the injected node loader.
import { compareBytes } from "../plan/bytewise.ts";
import { invalid } from "../errors.ts";
import {
  DEFAULT_SHAPE, EMPTY_LIST, decodeDirNode, editNode, encodeList, findEntry, flatten, nodeHash, sortEntries,
  type DirNode, type NodeLoader, type TreeEntry, type TreeShape, type Writer,
} from "./shard.ts";
import type { Sha256 } from "../plan/identity.ts";

export type { Sha256 } from "../plan/identity.ts";
export type { NodeLoader, TreeEntry } from "./shard.ts";

export interface FileRef {
  hash: string;
  size: number;
}

/** A change to a tree: put a file at `path`, or delete the file or subtree there (`file: null`). */
export interface Change {
  path: string;
  file: FileRef | null;
}

export interface TreeResult {
  root: string;
  size: number;
  /** Nodes created by the change, to be saved with the commit: hash -> body. */
  nodes: Map<string, string>;
}

/** The body of a list node (a small directory, or one bucket of a big one). */
export function encodeNode(entries: TreeEntry[]): string {
  return encodeList(entries);
}

/** The entries of a list node's body (a shard node's body is an error here). */
export function decodeNode(body: string): TreeEntry[] {
  const n = decodeDirNode(body);
  if (n.kind !== "list") throw new Error("decodeNode: a shard node, not a listing");
  return n.entries;
}

export { nodeHash };

export function emptyTree(sha256: Sha256): { hash: string; body: string } {
  const body = encodeNode([]);
  return { hash: nodeHash(body, sha256), body };
}

/** Splits an absolute, already validated path into segments ("/" -> []). */
export function segments(p: string): string[] {
  return p.split("/").filter(Boolean);
}

interface Trie {
  put?: FileRef;
  del?: boolean;
  children: Map<string, Trie>;
}

/** Applies changes to the tree at `root`; returns the new root and the nodes it created. */
export async function applyChanges(loader: NodeLoader, sha256: Sha256, root: string, changes: Change[]): Promise<TreeResult> {
  const trie: Trie = { children: new Map() };
  for (const c of changes) {
    let t = trie;
    const segs = segments(c.path);
    if (segs.length === 0) {
      if (c.file) throw invalid(`cannot put a file at "/": the root is a directory`);
      t.del = true;
      t.children.clear();
      continue;
    }
    let at = "";
    for (const s of segs) {
      if (t.put) throw invalid(`cannot put under "${at}": the same change puts a file there`);
      at += `/${s}`;
      let next = t.children.get(s);
      if (!next) t.children.set(s, (next = { children: new Map() }));
      t = next;
    }
    if (c.file) {
      // `del` stays: a put after a delete replaces whatever was there.
      t.put = c.file;
      t.children.clear();
    } else {
      t.del = true;
      t.put = undefined;
      t.children.clear();
    }
  }
  const w: Writer = { sha256, shape: loader.shape ?? DEFAULT_SHAPE, nodes: new Map() };
  const out = await rewrite(loader, w, trie.del ? null : root, trie, "");
  if (!out) {
    const e = emptyTree(sha256);
    w.nodes.set(e.hash, e.body);
    return { root: e.hash, size: 0, nodes: w.nodes };
  }
  return { root: out.hash, size: out.size, nodes: w.nodes };
}

/** Rewrites the directory `dir` (null: none yet) with the changes below it; null when it ends up empty. */
async function rewrite(loader: NodeLoader, w: Writer, dir: string | null, trie: Trie, at: string): Promise<FileRef | null> {
  const top: DirNode = dir ? await loader.node(dir) : EMPTY_LIST;
  const edits = new Map<string, TreeEntry | null>();
  for (const [name, sub] of trie.children) {
    const here = `${at}/${name}`;
    const old = await findEntry(loader, top, name);
    if (sub.put) {
      if (old?.type === "dir" && !sub.del) throw invalid(`cannot put file "${here}": a directory exists there`, "delete the directory first");
      edits.set(name, { name, type: "file", hash: sub.put.hash, size: sub.put.size });
    } else if (sub.del && sub.children.size === 0) {
      if (old) edits.set(name, null);
    } else {
      if (old?.type === "file" && !sub.del) {
        if (!hasPut(sub)) continue; // deleting below a file changes nothing
        throw invalid(`cannot put under "${here}": it is a file`, "delete the file first");
      }
      const child = await rewrite(loader, w, sub.del ? null : (old?.hash ?? null), sub, here);
      if (child) edits.set(name, { name, type: "dir", hash: child.hash, size: child.size });
      else if (old) edits.set(name, null);
    }
  }
  const out = await editNode(loader, w, top, 0, edits);
  return out && { hash: out.hash, size: out.size };
}

function hasPut(t: Trie): boolean {
  if (t.put) return true;
  for (const c of t.children.values()) if (hasPut(c)) return true;
  return false;
}

export interface WalkEntry {
  path: string;
  type: "file" | "dir";
  hash: string;
  size: number;
}

/**
 * Every file and directory under `path` (inclusive when it is a dir, "/" for
 * the root), in byte-wise path order. `recursive: false` lists one level.
 */
export async function walk(loader: NodeLoader, root: string, rootSize: number, opts: { recursive: boolean; includeSelf: boolean; base?: string } = { recursive: true, includeSelf: true }): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const base = opts.base ?? "/";
  if (opts.includeSelf) out.push({ path: base, type: "dir", hash: root, size: rootSize });
  const visit = async (hash: string, prefix: string) => {
    for (const e of await flatten(loader, await loader.node(hash))) {
      const p = `${prefix}/${e.name}`;
      out.push({ path: p, type: e.type, hash: e.hash, size: e.size });
      if (e.type === "dir" && opts.recursive) await visit(e.hash, p);
    }
  };
  await visit(root, base === "/" ? "" : base);
  // Depth-first order is not byte order of whole paths ("/a-c" < "/a/b" since '-' < '/'), and
  // a sharded directory lists bucket by bucket: sort.
  return out.sort((a, b) => compareBytes(a.path, b.path));
}

/** A directory's entries in byte order of name, across its shards. */
export async function listEntries(loader: NodeLoader, hash: string): Promise<TreeEntry[]> {
  const node = await loader.node(hash);
  return node.kind === "list" ? node.entries : sortEntries(await flatten(loader, node));
}

/** The entry at `path` ("/" is the root dir), or null. */
export async function lookup(loader: NodeLoader, root: string, rootSize: number, path: string): Promise<WalkEntry | null> {
  const segs = segments(path);
  let cur: WalkEntry = { path: "/", type: "dir", hash: root, size: rootSize };
  let at = "";
  for (const s of segs) {
    if (cur.type !== "dir") return null;
    const e = await findEntry(loader, await loader.node(cur.hash), s);
    if (!e) return null;
    at += `/${s}`;
    cur = { path: at, type: e.type, hash: e.hash, size: e.size };
  }
  return cur;
}
