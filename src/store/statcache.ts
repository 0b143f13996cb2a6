// Remembers the content hash of local files by stat identity (device, inode,
// size, mtime and ctime), so `put file -r` of a folder that barely changed
// neither re-reads nor re-hashes the rest (like git's index). A folder's
// entries are split into BUCKETS rows by a hash of the relative path, each
// with a digest of its (path, stat) pairs: a put reads the digests, only the
// rows whose files changed, and rewrites only those. The digest sums 64-bit
// fingerprints (not a cryptographic hash: it guards against change, not
// attack; a changed bucket passing for unchanged takes a ~2^-64 accident).
// When the last put of this folder was to the same target (--overwrite) and
// the target still holds the tree that put left, a file whose stat is
// unchanged is certainly in place: the put skips it without reading the tree.
// A file modified within RACY_MS of being hashed is remembered without its
// hash, and its bucket's digest never matches: its stat cannot tell a later
// same-size edit apart (git's "racy clean"), so it is hashed again next time.
// Millisecond times suffice: a remembered file's next change is at least
// RACY_MS later. Every file of the last put is remembered, so a folder
// snapshot learns which were deleted since (gone()).
import * as path from "node:path";
import type { Db } from "../db/client.ts";
import { bucketBodies, bucketDigests, saveStatCache, statTarget } from "../db/queries/statcache.ts";

const RACY_MS = 2000;
const BUCKETS = 256;

/** The stat fields that identify a file's content (fs.Stats has them). */
export interface FileStat {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** [dev, ino, size, mtime_ms, ctime_ms, content hash ("" when racy: not to be trusted)] */
type Entry = [number, number, number, number, number, string];

interface Bucket {
  /** Digest of the stored entries' (path, stat) pairs. */
  digest: string;
  /** Null until read. */
  entries: Map<string, Entry> | null;
}

const same = (e: Entry, st: FileStat) => e[0] === st.dev && e[1] === st.ino && e[2] === st.size && e[3] === st.mtimeMs && e[4] === st.ctimeMs;

/** What fingerprint() writes: [bucket, lane a, lane b]. */
const FP = new Uint32Array(3);
const TWO32 = 4294967296;

/**
 * The bucket of a relative path (FNV-1a of the path alone) and a 64-bit
 * fingerprint of the path and stat identity (two lanes of multiply-xorshift
 * mixing over each number's high and low 32 bits and 32 bits of its
 * fraction: times are fractional milliseconds), into FP. One function with
 * no calls but Math.imul: it runs once per file of a folder, mostly before
 * the JIT has warmed up.
 */
function fingerprint(rel: string, dev: number, ino: number, size: number, mtimeMs: number, ctimeMs: number): Uint32Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < rel.length; i++) h = Math.imul(h ^ rel.charCodeAt(i), 0x01000193);
  const name = fmix(h);
  FP[0] = name % BUCKETS;
  let a = name;
  let b = name ^ 0x5bd1e995;
  for (let j = 0; j < 5; j++) {
    const x = j === 0 ? dev : j === 1 ? ino : j === 2 ? size : j === 3 ? mtimeMs : ctimeMs;
    const hi = (x / TWO32) | 0;
    const lo = (x % TWO32) | 0;
    const fr = ((x % 1) * TWO32) | 0;
    a = Math.imul(a ^ lo, 0x9e3779b1);
    a ^= a >>> 15;
    a = Math.imul(a ^ hi, 0x85ebca77);
    a ^= a >>> 13;
    a = Math.imul(a ^ fr, 0xc2b2ae3d);
    a ^= a >>> 16;
    b = Math.imul(b ^ fr, 0x27d4eb2f);
    b ^= b >>> 15;
    b = Math.imul(b ^ lo, 0x165667b1);
    b ^= b >>> 13;
    b = Math.imul(b ^ hi, 0xd3a2646c);
    b ^= b >>> 16;
  }
  FP[1] = fmix(a);
  FP[2] = fmix(b);
  return FP;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const bucketOf = (rel: string) => fingerprint(rel, 0, 0, 0, 0, 0)[0]!;

/** A bucket's digest: how many files, and the sums of their fingerprints' lanes (order does not matter). */
const digestOf = (n: number, a: number, b: number) => `${n}.${a.toString(16)}.${b.toString(16)}`;
/** Marks the stored digest of a bucket holding a racy entry: it never matches, so the bucket is read. */
const RACY = "~racy";

export class StatCache {
  #db: Db;
  #root = "";
  #buckets = new Map<number, Bucket>();
  #dirty = new Set<number>();
  #target: string | undefined;
  /** The stat_targets row of the root: where its last put went, and the tree it left there. */
  #stored: { target: string; tree: string } | null = null;
  #gone: string[] = [];

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Reads the bucket digests of the folder `root` (absolute) about to be put, and,
   * given the put's `target` (repo, branch and path), the tree the last put there left.
   */
  async load(root: string, target?: string): Promise<void> {
    this.#root = path.resolve(root);
    this.#target = target;
    this.#buckets.clear();
    this.#dirty.clear();
    this.#gone = [];
    for (const [bucket, digest] of await bucketDigests(this.#db, this.#root)) this.#buckets.set(bucket, { digest, entries: null });
    this.#stored = await statTarget(this.#db, this.#root);
  }

  /** The hash of the folder at the target as the last put of it left it (same target only), or null. */
  get targetTree(): string | null {
    return this.#target && this.#stored?.target === this.#target ? this.#stored.tree : null;
  }

  /**
   * For each file (path relative to the root, and its stat): the remembered
   * hash when its stat is unchanged, else null. With `inPlace` (the target
   * still holds `targetTree`) an unchanged file is `true` instead: no hash is
   * needed, and a bucket whose files are all unchanged is not even read.
   */
  async lookupAll(files: readonly { rel: string; st: FileStat }[], inPlace: boolean): Promise<(string | true | null)[]> {
    const bucket = new Uint16Array(files.length);
    const count = new Uint32Array(BUCKETS);
    const sumA = new Uint32Array(BUCKETS);
    const sumB = new Uint32Array(BUCKETS);
    for (let i = 0; i < files.length; i++) {
      const { rel, st } = files[i]!;
      const fp = fingerprint(rel, st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs);
      const b = fp[0]!;
      bucket[i] = b;
      count[b]!++;
      sumA[b] = sumA[b]! + fp[1]!;
      sumB[b] = sumB[b]! + fp[2]!;
    }
    const out: (string | true | null)[] = new Array(files.length).fill(null);
    const clean = new Uint8Array(BUCKETS);
    const toRead: number[] = [];
    for (const [b, stored] of this.#buckets) {
      if (!count[b]) continue;
      const unchanged = stored.digest === digestOf(count[b]!, sumA[b]!, sumB[b]!);
      if (inPlace && unchanged) clean[b] = 1;
      else toRead.push(b);
      // Rewritten even when every entry stays: its digest no longer says what is stored.
      if (!unchanged) this.#dirty.add(b);
    }
    if (inPlace) for (let i = 0; i < files.length; i++) if (clean[bucket[i]!]) out[i] = true;
    const emptied = [...this.#buckets.keys()].filter((b) => !count[b]);
    await this.#read([...toRead, ...emptied]);
    this.#gone = [];
    const read = new Uint8Array(BUCKETS);
    for (const b of toRead) read[b] = 1;
    const seen = new Map<string, number>();
    for (let i = 0; i < files.length; i++) {
      if (!read[bucket[i]!]) continue;
      const { rel, st } = files[i]!;
      seen.set(rel, bucket[i]!);
      const e = this.#buckets.get(bucket[i]!)!.entries!.get(rel);
      if (e && e[5] !== "" && same(e, st)) out[i] = inPlace ? true : e[5];
    }
    for (const b of toRead) {
      // Files no longer in the folder (or not of this bucket) are forgotten.
      const entries = this.#buckets.get(b)!.entries!;
      for (const rel of entries.keys()) {
        if (seen.get(rel) === b) continue;
        entries.delete(rel);
        this.#gone.push(rel);
        this.#dirty.add(b);
      }
    }
    // Buckets no file falls in any more.
    for (const b of emptied) {
      this.#gone.push(...this.#buckets.get(b)!.entries!.keys());
      this.#buckets.set(b, { digest: "", entries: new Map() });
      this.#dirty.add(b);
    }
    return out;
  }

  /**
   * The files (relative paths) the last put of this folder had and the one
   * lookupAll() was given lacks. Complete only for a folder whose every file
   * was recorded by that put (a snapshot's are), so only trusted where the
   * target still holds `targetTree`.
   */
  gone(): string[] {
    return this.#gone;
  }

  /** Remembers a file's hash (after lookupAll, which read its bucket); `nowMs`: when it was hashed. */
  record(rel: string, st: FileStat, hash: string, nowMs: number): void {
    const b = bucketOf(rel);
    let bucket = this.#buckets.get(b);
    if (!bucket) this.#buckets.set(b, (bucket = { digest: "", entries: new Map() }));
    if (!bucket.entries) throw new Error(`internal: stat cache bucket ${b} recorded before it was read`);
    const racy = nowMs - st.mtimeMs < RACY_MS || nowMs - st.ctimeMs < RACY_MS;
    bucket.entries.set(rel, [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs, racy ? "" : hash]);
    this.#dirty.add(b);
  }

  /**
   * Writes the changed buckets and, for a put with a target, the folder's
   * hash there now (one transaction, after the commit they served: a lost
   * cache only costs a re-read; a stale target tree only a full comparison).
   */
  async save(targetTree?: string | null): Promise<void> {
    if (!this.#root) return;
    const rows: [number, string, string][] = [];
    for (const b of this.#dirty) {
      const entries = this.#buckets.get(b)!.entries!;
      let a = 0;
      let c = 0;
      let racy = "";
      for (const [rel, e] of entries) {
        const fp = fingerprint(rel, e[0], e[1], e[2], e[3], e[4]);
        a = (a + fp[1]!) >>> 0;
        c = (c + fp[2]!) >>> 0;
        if (e[5] === "") racy = RACY;
      }
      rows.push([b, entries.size ? digestOf(entries.size, a, c) + racy : "", JSON.stringify(Object.fromEntries(entries))]);
    }
    this.#dirty.clear();
    const target = this.#target && targetTree ? { target: this.#target, tree: targetTree } : null;
    const sameTarget = target?.target === this.#stored?.target && target?.tree === this.#stored?.tree;
    if (!rows.length && sameTarget) return;
    await saveStatCache(this.#db, this.#root, rows, sameTarget ? undefined : target);
  }

  async #read(buckets: number[]): Promise<void> {
    const want = buckets.filter((b) => !this.#buckets.get(b)!.entries);
    for (const [bucket, body] of await bucketBodies(this.#db, this.#root, want)) {
      this.#buckets.get(bucket)!.entries = new Map(Object.entries(JSON.parse(body) as Record<string, Entry>));
    }
    for (const b of want) this.#buckets.get(b)!.entries ??= new Map();
  }

}
