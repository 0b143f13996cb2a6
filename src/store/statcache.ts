// Remembers the content hash of local files by stat identity (device, inode,
// size, mtime and ctime), so `put file -r` of a folder that barely changed
// neither re-reads nor re-hashes the rest (like git's index). A folder's
// entries are split into BUCKETS rows by a hash of the relative path, each
// with a digest of its (path, stat) pairs: a put reads the digests, only the
// rows whose files changed, and rewrites only those.
// When the last put of this folder was to the same target (--overwrite) and
// the target still holds the tree that put left, a file whose stat is
// unchanged is certainly in place: the put skips it without reading the tree.
// A file modified within RACY_MS of being hashed is not remembered: its stat
// cannot tell a later same-size edit apart (git's "racy clean"). Millisecond
// times suffice: a remembered file's next change is at least RACY_MS later.
import * as path from "node:path";
import type { Db } from "../db/client.ts";
import { nameHash } from "../repo/shard.ts";

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

/** [stat signature, content hash] */
type Entry = [string, string];

interface Bucket {
  /** Digest of the stored entries' (path, signature) pairs. */
  digest: string;
  /** Null until read. */
  entries: Map<string, Entry> | null;
}

export function signature(st: FileStat): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

const bucketOf = (rel: string) => nameHash(rel) % BUCKETS;

export class StatCache {
  #db: Db;
  #sha256: (s: string) => string;
  #root = "";
  #buckets = new Map<number, Bucket>();
  #dirty = new Set<number>();
  #target: string | undefined;
  /** The stat_targets row of the root: where its last put went, and the tree it left there. */
  #stored: { target: string; tree: string } | null = null;

  constructor(db: Db, sha256: (s: string) => string) {
    this.#db = db;
    this.#sha256 = sha256;
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
    const rows = await this.#db.all<{ bucket: number; digest: string }>("SELECT bucket, digest FROM stat_cache WHERE root = ?", [this.#root]);
    for (const r of rows) this.#buckets.set(Number(r.bucket), { digest: r.digest, entries: null });
    const t = await this.#db.get<{ target: string; tree: string }>("SELECT target, tree FROM stat_targets WHERE root = ?", [this.#root]);
    this.#stored = t ? { target: t.target, tree: t.tree } : null;
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
    const sigs = files.map((f) => signature(f.st));
    const byBucket = new Map<number, number[]>();
    for (let i = 0; i < files.length; i++) {
      const b = bucketOf(files[i]!.rel);
      const list = byBucket.get(b);
      if (list) list.push(i);
      else byBucket.set(b, [i]);
    }
    const out: (string | true | null)[] = new Array(files.length).fill(null);
    const toRead: number[] = [];
    for (const [b, idx] of byBucket) {
      const stored = this.#buckets.get(b);
      if (!stored) continue;
      if (inPlace && stored.digest === this.#digest(idx.map((i) => [files[i]!.rel, sigs[i]!]))) {
        for (const i of idx) out[i] = true;
      } else toRead.push(b);
    }
    await this.#read(toRead);
    const seen = new Set<string>();
    for (const b of toRead) {
      const entries = this.#buckets.get(b)!.entries!;
      for (const i of byBucket.get(b)!) {
        const rel = files[i]!.rel;
        seen.add(rel);
        const e = entries.get(rel);
        if (e && e[0] === sigs[i]) out[i] = inPlace ? true : e[1];
      }
      // Files no longer in the folder are forgotten.
      for (const rel of entries.keys()) {
        if (seen.has(rel)) continue;
        entries.delete(rel);
        this.#dirty.add(b);
      }
    }
    // Buckets no file falls in any more.
    for (const b of this.#buckets.keys()) {
      if (byBucket.has(b)) continue;
      this.#buckets.set(b, { digest: "", entries: new Map() });
      this.#dirty.add(b);
    }
    return out;
  }

  /** Remembers a file's hash (after lookupAll, which read its bucket); `nowMs`: when it was hashed. */
  record(rel: string, st: FileStat, hash: string, nowMs: number): void {
    const b = bucketOf(rel);
    let bucket = this.#buckets.get(b);
    if (!bucket) this.#buckets.set(b, (bucket = { digest: "", entries: new Map() }));
    if (!bucket.entries) throw new Error(`internal: stat cache bucket ${b} recorded before it was read`);
    if (nowMs - st.mtimeMs < RACY_MS || nowMs - st.ctimeMs < RACY_MS) {
      if (bucket.entries.delete(rel)) this.#dirty.add(b);
      return;
    }
    bucket.entries.set(rel, [signature(st), hash]);
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
      rows.push([b, entries.size ? this.#digest([...entries].map(([rel, e]) => [rel, e[0]])) : "", JSON.stringify(Object.fromEntries(entries))]);
    }
    this.#dirty.clear();
    const target = this.#target && targetTree ? { target: this.#target, tree: targetTree } : null;
    const sameTarget = target?.target === this.#stored?.target && target?.tree === this.#stored?.tree;
    if (!rows.length && sameTarget) return;
    await this.#db.write(async (tx) => {
      const gone = rows.filter((r) => !r[1]).map((r) => r[0]);
      if (gone.length) await tx.run(`DELETE FROM stat_cache WHERE root = ? AND bucket IN (${gone.map(() => "?").join(",")})`, [this.#root, ...gone]);
      const keep = rows.filter((r) => r[1]);
      for (let i = 0; i < keep.length; i += 100) {
        const chunk = keep.slice(i, i + 100);
        await tx.run(
          `INSERT OR REPLACE INTO stat_cache (root, bucket, digest, body) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}`,
          chunk.flatMap((r) => [this.#root, ...r]),
        );
      }
      if (sameTarget) return;
      if (target) await tx.run("INSERT OR REPLACE INTO stat_targets (root, target, tree) VALUES (?, ?, ?)", [this.#root, target.target, target.tree]);
      else await tx.run("DELETE FROM stat_targets WHERE root = ?", [this.#root]);
    });
  }

  async #read(buckets: number[]): Promise<void> {
    const want = buckets.filter((b) => !this.#buckets.get(b)!.entries);
    for (let i = 0; i < want.length; i += 200) {
      const chunk = want.slice(i, i + 200);
      const rows = await this.#db.all<{ bucket: number; body: string }>(
        `SELECT bucket, body FROM stat_cache WHERE root = ? AND bucket IN (${chunk.map(() => "?").join(",")})`,
        [this.#root, ...chunk],
      );
      for (const r of rows) this.#buckets.get(Number(r.bucket))!.entries = new Map(Object.entries(JSON.parse(r.body) as Record<string, Entry>));
    }
    for (const b of want) this.#buckets.get(b)!.entries ??= new Map();
  }

  /** Order-independent digest of (path, signature) pairs. */
  #digest(pairs: [string, string][]): string {
    return this.#sha256(pairs.map(([rel, sig]) => `${rel}\0${sig}`).sort().join("\n"));
  }
}
