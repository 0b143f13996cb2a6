// A directory's entries as stored nodes: one "list" node when they are few,
// else a "shard" node over fixed buckets of a hash of the entry name, each
// bucket again a list or a shard one level down. The layout is a pure
// function of the set of entries (never of the order they arrived in), so a
// directory's hash still names its content, and a one-file change in a
// 100k-entry folder rewrites O(log N) small nodes instead of one huge one.
// Pure apart from the injected node loader.
import { compareBytes } from "../plan/bytewise.ts";
import type { Sha256 } from "../plan/identity.ts";

/** One bucket of a shard node: the node holding that bucket's entries. */
export interface ShardChild {
  bucket: number;
  hash: string;
  /** Bytes of every file below the bucket's entries. */
  size: number;
  /** Entries (names) in the bucket. */
  count: number;
}

/** One entry of a directory listing. */
export interface TreeEntry {
  name: string;
  type: "file" | "dir";
  hash: string;
  size: number;
}

/**
 * Reads stored nodes. A directory is one node (a listing) or a shard node over
 * several (see shard.ts); TreeStore caches, tests use an in-memory map.
 */
export interface NodeLoader {
  node(hash: string): Promise<DirNode>;
  /** Optional batch read (a sharded directory's buckets in one query). */
  nodes?(hashes: readonly string[]): Promise<DirNode[]>;
  /** Optional layout for writers (tests use a tiny one); DEFAULT_SHAPE otherwise. */
  readonly shape?: TreeShape;
}

export type DirNode =
  | { kind: "list"; entries: TreeEntry[] }
  | { kind: "shard"; level: number; bits: number; children: ShardChild[]; slots: (ShardChild | undefined)[] };

/** How writers lay directories out; readers need none of it (shard nodes say their own bits). */
export interface TreeShape {
  /** A directory (or bucket) with more entries than this is sharded. */
  maxEntries: number;
  /** log2 of the fanout of a shard node (bucket = `bits` bits of the name hash per level). */
  bits: number;
}

/** 2048 entries of ~100 bytes: list nodes stay under ~200 KB; 64 buckets per shard level. */
export const DEFAULT_SHAPE: TreeShape = { maxEntries: 2048, bits: 6 };

export const EMPTY_LIST: DirNode = { kind: "list", entries: [] };

/** A stored node: its hash, the bytes below it, and how many entries it holds. */
export interface NodeRef {
  hash: string;
  size: number;
  count: number;
}

export function encodeList(entries: readonly TreeEntry[]): string {
  return JSON.stringify(entries.map((e) => [e.name, e.type === "dir" ? "d" : "f", e.hash, e.size]));
}

function encodeShard(level: number, bits: number, children: readonly ShardChild[]): string {
  return JSON.stringify({ shard: [level, bits], c: children.map((c) => [c.bucket, c.hash, c.size, c.count]) });
}

export function decodeDirNode(body: string): DirNode {
  const raw = JSON.parse(body);
  if (Array.isArray(raw)) {
    return {
      kind: "list",
      entries: (raw as [string, string, string, number][]).map(([name, t, hash, size]) => ({ name, type: t === "d" ? "dir" : "file", hash, size })),
    };
  }
  const [level, bits] = raw.shard as [number, number];
  const children = (raw.c as [number, string, number, number][]).map(([bucket, hash, size, count]) => ({ bucket, hash, size, count }));
  const slots: (ShardChild | undefined)[] = new Array(1 << bits);
  for (const c of children) slots[c.bucket] = c;
  return { kind: "shard", level, bits, children, slots };
}

export function nodeHash(body: string, sha256: Sha256): string {
  return sha256(`tree\n${body}`);
}

/**
 * 32-bit FNV-1a over the name's UTF-16 code units, then MurmurHash3's
 * finaliser so every bit depends on every character (names like f0001..f9999
 * differ only in their last characters). Part of the stored layout: changing
 * it changes the hash of every sharded directory.
 */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function bucketOf(name: string, level: number, bits: number): number {
  return (nameHash(name) >>> (level * bits)) & ((1 << bits) - 1);
}

/** Whether a node at `level` still has unused hash bits to shard by. */
function canShard(level: number, bits: number): boolean {
  return (level + 1) * bits <= 32;
}

async function loadAll(loader: NodeLoader, hashes: string[]): Promise<DirNode[]> {
  return loader.nodes ? loader.nodes(hashes) : Promise.all(hashes.map((h) => loader.node(h)));
}

/** Every entry under a node, bucket by bucket (not in name order); shards load level by level. */
export async function flatten(loader: NodeLoader, node: DirNode): Promise<TreeEntry[]> {
  if (node.kind === "list") return node.entries;
  const out: TreeEntry[] = [];
  let frontier: DirNode[] = [node];
  while (frontier.length) {
    const next: DirNode[] = [];
    const hashes = frontier.flatMap((n) => (n.kind === "shard" ? n.children.map((c) => c.hash) : []));
    for (const n of await loadAll(loader, hashes)) {
      if (n.kind === "list") for (const e of n.entries) out.push(e);
      else next.push(n);
    }
    frontier = next;
  }
  return out;
}

export function sortEntries(entries: TreeEntry[]): TreeEntry[] {
  return entries.sort((a, b) => compareBytes(a.name, b.name));
}

/** One entry of the directory whose top node is `node`, by name. */
export async function findEntry(loader: NodeLoader, node: DirNode, name: string): Promise<TreeEntry | undefined> {
  let n = node;
  while (n.kind === "shard") {
    const c = n.slots[bucketOf(name, n.level, n.bits)];
    if (!c) return undefined;
    n = await loader.node(c.hash);
  }
  const es = n.entries;
  let lo = 0;
  let hi = es.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(es[mid]!.name, name);
    if (c === 0) return es[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Where new nodes go: hash -> body, saved with the commit. */
export interface Writer {
  sha256: Sha256;
  shape: TreeShape;
  nodes: Map<string, string>;
}

function put(w: Writer, body: string): string {
  const hash = nodeHash(body, w.sha256);
  w.nodes.set(hash, body);
  return hash;
}

/** The canonical nodes for `entries` (sorted by name) at `level`; null when there are none. */
export function build(w: Writer, entries: TreeEntry[], level: number): NodeRef | null {
  if (!entries.length) return null;
  if (entries.length <= w.shape.maxEntries || !canShard(level, w.shape.bits)) {
    let size = 0;
    for (const e of entries) size += e.size;
    return { hash: put(w, encodeList(entries)), size, count: entries.length };
  }
  const groups = new Map<number, TreeEntry[]>();
  for (const e of entries) {
    const b = bucketOf(e.name, level, w.shape.bits);
    const g = groups.get(b);
    if (g) g.push(e);
    else groups.set(b, [e]);
  }
  const children: ShardChild[] = [];
  for (const b of [...groups.keys()].sort((x, y) => x - y)) children.push({ bucket: b, ...build(w, groups.get(b)!, level + 1)! });
  return shardRef(w, level, children);
}

function shardRef(w: Writer, level: number, children: ShardChild[]): NodeRef {
  let size = 0;
  let count = 0;
  for (const c of children) {
    size += c.size;
    count += c.count;
  }
  return { hash: put(w, encodeShard(level, w.shape.bits, children)), size, count };
}

/**
 * Applies `edits` (name -> new entry, or null to delete) to the entries under
 * `node` at `level`, rewriting only the buckets they fall in; the result is
 * canonical whatever the input's layout (a legacy flat node of any size, or
 * a shard that shrank to fit one list, is rebuilt). Null when nothing is left.
 */
export async function editNode(loader: NodeLoader, w: Writer, node: DirNode, level: number, edits: Map<string, TreeEntry | null>): Promise<NodeRef | null> {
  if (node.kind === "list") return build(w, mergeEdits(node.entries, edits), level);
  if (node.level !== level || node.bits !== w.shape.bits) {
    const all = sortEntries([...(await flatten(loader, node))]);
    return build(w, mergeEdits(all, edits), level);
  }
  const groups = new Map<number, Map<string, TreeEntry | null>>();
  for (const [name, e] of edits) {
    const b = bucketOf(name, level, node.bits);
    let g = groups.get(b);
    if (!g) groups.set(b, (g = new Map()));
    g.set(name, e);
  }
  const kids = new Map(node.children.map((c) => [c.bucket, c] as const));
  for (const [b, g] of groups) {
    const old = kids.get(b);
    const r = await editNode(loader, w, old ? await loader.node(old.hash) : EMPTY_LIST, level + 1, g);
    if (r) kids.set(b, { bucket: b, ...r });
    else kids.delete(b);
  }
  const children = [...kids.values()].sort((x, y) => x.bucket - y.bucket);
  let count = 0;
  for (const c of children) count += c.count;
  if (count <= w.shape.maxEntries) {
    // Small enough for one list again: the canonical form of these entries.
    // Buckets rewritten just now are not stored yet: read through the writer.
    const entries = [...(await flatten(writerLoader(loader, w), { kind: "shard", level, bits: node.bits, children, slots: [] }))];
    return build(w, sortEntries(entries), level);
  }
  return shardRef(w, level, children);
}

/** Reads nodes this writer made (not stored yet) before stored ones. */
function writerLoader(loader: NodeLoader, w: Writer): NodeLoader {
  return { node: async (h) => (w.nodes.has(h) ? decodeDirNode(w.nodes.get(h)!) : loader.node(h)) };
}

/** `entries` (sorted by name) with `edits` applied, still sorted. */
function mergeEdits(entries: readonly TreeEntry[], edits: Map<string, TreeEntry | null>): TreeEntry[] {
  if (!edits.size) return [...entries];
  const names = [...edits.keys()].sort(compareBytes);
  const out: TreeEntry[] = [];
  let i = 0;
  for (const name of names) {
    while (i < entries.length && compareBytes(entries[i]!.name, name) < 0) out.push(entries[i++]!);
    if (i < entries.length && entries[i]!.name === name) i++;
    const e = edits.get(name);
    if (e) out.push(e);
  }
  while (i < entries.length) out.push(entries[i++]!);
  return out;
}

/**
 * Calls `visit` for every name whose entry differs between two directory
 * nodes (either side may be missing), skipping buckets whose nodes are equal.
 */
export async function diffNodes(loader: NodeLoader, a: DirNode, b: DirNode, visit: (name: string, l: TreeEntry | undefined, r: TreeEntry | undefined) => Promise<void>): Promise<void> {
  if (a.kind === "shard" && b.kind === "shard" && a.level === b.level && a.bits === b.bits) {
    const buckets = new Set([...a.children.map((c) => c.bucket), ...b.children.map((c) => c.bucket)]);
    for (const k of [...buckets].sort((x, y) => x - y)) {
      const ca = a.slots[k];
      const cb = b.slots[k];
      if (ca?.hash === cb?.hash) continue;
      await diffNodes(loader, ca ? await loader.node(ca.hash) : EMPTY_LIST, cb ? await loader.node(cb.hash) : EMPTY_LIST, visit);
    }
    return;
  }
  const left = new Map((await flatten(loader, a)).map((e) => [e.name, e] as const));
  const right = new Map((await flatten(loader, b)).map((e) => [e.name, e] as const));
  for (const [name, l] of left) {
    const r = right.get(name);
    if (!r || r.type !== l.type || r.hash !== l.hash) await visit(name, l, r);
  }
  for (const [name, r] of right) if (!left.has(name)) await visit(name, undefined, r);
}
