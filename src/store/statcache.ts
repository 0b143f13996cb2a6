// Remembers the content hash of local files by stat identity (device, inode,
// size, mtime and ctime in ns), so `put file -r` of a folder that barely
// changed neither re-reads nor re-hashes the rest (like git's index). One
// JSON row per source folder: one read, one write per put.
// A file modified within RACY_NS of being hashed is not remembered: its
// mtime cannot tell a later same-size edit apart (git's "racy clean").
import type * as fs from "node:fs";
import * as path from "node:path";
import type { Db } from "../db/client.ts";

const RACY_NS = 2_000_000_000n;

/** [dev, ino, size, mtime_ns, ctime_ns, hash] */
type Entry = [string, string, number, string, string, string];

export class StatCache {
  #db: Db;
  #root = "";
  #rows: Record<string, Entry> = {};
  #dirty = false;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Loads the entries of the folder `dir` (absolute) about to be put. */
  async load(dir: string): Promise<void> {
    this.#root = path.resolve(dir);
    const row = await this.#db.get<{ body: string }>("SELECT body FROM stat_cache WHERE root = ?", [this.#root]);
    this.#rows = row ? JSON.parse(row.body) : {};
  }

  /** The remembered hash when the file's stat identity is unchanged. */
  lookup(file: string, st: fs.BigIntStats): string | null {
    const e = this.#rows[this.#key(file)];
    if (!e) return null;
    const same = e[0] === String(st.dev) && e[1] === String(st.ino) && e[2] === Number(st.size) &&
      e[3] === String(st.mtimeNs) && e[4] === String(st.ctimeNs);
    return same ? e[5] : null;
  }

  record(file: string, st: fs.BigIntStats, hash: string, nowNs: bigint): void {
    if (nowNs - st.mtimeNs < RACY_NS || nowNs - st.ctimeNs < RACY_NS) return;
    this.#rows[this.#key(file)] = [String(st.dev), String(st.ino), Number(st.size), String(st.mtimeNs), String(st.ctimeNs), hash];
    this.#dirty = true;
  }

  /** Writes the folder's entries (after the commit they served: a lost cache only costs a re-read). */
  async save(): Promise<void> {
    if (!this.#dirty || !this.#root) return;
    this.#dirty = false;
    const body = JSON.stringify(this.#rows);
    await this.#db.write((tx) => tx.run("INSERT OR REPLACE INTO stat_cache (root, body) VALUES (?, ?)", [this.#root, body]));
  }

  #key(file: string): string {
    return path.relative(this.#root, path.resolve(file));
  }
}
