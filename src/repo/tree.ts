// Merkle file trees: a directory is a node listing its entries (name, type,
// hash, size), addressed by the hash of that listing, so a commit that
// changes one file rewrites only the nodes on that file's path and shares the
// rest with its parent, and a directory's hash covers its whole subtree.
// Pure apart from the injected node loader.
import { compareBytes } from "../plan/bytewise.ts";
import { invalid } from "../errors.ts";

export interface TreeEntry {
  name: string;
  type: "file" | "dir";
  hash: string;
  size: number;
}

export interface FileRef {
  hash: string;
  size: number;
}

/** A change to a tree: put a file at `path`, or delete the file or subtree there (`file: null`). */
export interface Change {
  path: string;
  file: FileRef | null;
}

export interface NodeLoader {
  load(hash: string): Promise<TreeEntry[]>;
  /** Optional fast path for one entry by name. */
  child?(hash: string, name: string): Promise<TreeEntry | undefined>;
}

export type Sha256 = (s: string) => string;

export interface TreeResult {
  root: string;
  size: number;
  /** Nodes created by the change, to be saved with the commit: hash -> body. */
  nodes: Map<string, string>;
}

export function encodeNode(entries: TreeEntry[]): string {
  return JSON.stringify(entries.map((e) => [e.name, e.type === "dir" ? "d" : "f", e.hash, e.size]));
}

export function decodeNode(body: string): TreeEntry[] {
  return (JSON.parse(body) as [string, string, string, number][]).map(([name, t, hash, size]) => ({
    name,
    type: t === "d" ? "dir" : "file",
    hash,
    size,
  }));
}

export function nodeHash(body: string, sha256: Sha256): string {
  return sha256(`tree\n${body}`);
}

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
  const nodes = new Map<string, string>();
  const out = await rewrite(loader, sha256, trie.del ? null : root, trie, "", nodes);
  if (!out) {
    const e = emptyTree(sha256);
    nodes.set(e.hash, e.body);
    return { root: e.hash, size: 0, nodes };
  }
  return { root: out.hash, size: out.size, nodes };
}

async function rewrite(
  loader: NodeLoader,
  sha256: Sha256,
  dir: string | null,
  trie: Trie,
  at: string,
  nodes: Map<string, string>,
): Promise<FileRef | null> {
  const entries = new Map<string, TreeEntry>();
  if (dir) for (const e of await loader.load(dir)) entries.set(e.name, e);
  for (const [name, sub] of trie.children) {
    const here = `${at}/${name}`;
    const old = entries.get(name);
    if (sub.put) {
      if (old?.type === "dir" && !sub.del) throw invalid(`cannot put file "${here}": a directory exists there`, "delete the directory first");
      entries.set(name, { name, type: "file", hash: sub.put.hash, size: sub.put.size });
    } else if (sub.del && sub.children.size === 0) {
      entries.delete(name);
    } else {
      if (old?.type === "file" && !sub.del) {
        if (!hasPut(sub)) continue; // deleting below a file changes nothing
        throw invalid(`cannot put under "${here}": it is a file`, "delete the file first");
      }
      const child = await rewrite(loader, sha256, sub.del ? null : (old?.hash ?? null), sub, here, nodes);
      if (child) entries.set(name, { name, type: "dir", hash: child.hash, size: child.size });
      else entries.delete(name);
    }
  }
  if (entries.size === 0) return null;
  const sorted = [...entries.values()].sort((a, b) => compareBytes(a.name, b.name));
  const body = encodeNode(sorted);
  const hash = nodeHash(body, sha256);
  nodes.set(hash, body);
  return { hash, size: sorted.reduce((n, e) => n + e.size, 0) };
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
    for (const e of await loader.load(hash)) {
      const p = `${prefix}/${e.name}`;
      out.push({ path: p, type: e.type, hash: e.hash, size: e.size });
      if (e.type === "dir" && opts.recursive) await visit(e.hash, p);
    }
  };
  await visit(root, base === "/" ? "" : base);
  // Depth-first order is not byte order of whole paths ("/a-c" < "/a/b" since '-' < '/'): sort.
  return out.sort((a, b) => compareBytes(a.path, b.path));
}

/** The entry at `path` ("/" is the root dir), or null. */
export async function lookup(loader: NodeLoader, root: string, rootSize: number, path: string): Promise<WalkEntry | null> {
  const segs = segments(path);
  let cur: WalkEntry = { path: "/", type: "dir", hash: root, size: rootSize };
  let at = "";
  for (const s of segs) {
    if (cur.type !== "dir") return null;
    const e = loader.child ? await loader.child(cur.hash, s) : (await loader.load(cur.hash)).find((x) => x.name === s);
    if (!e) return null;
    at += `/${s}`;
    cur = { path: at, type: e.type, hash: e.hash, size: e.size };
  }
  return cur;
}
