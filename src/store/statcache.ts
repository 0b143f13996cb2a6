// Remembers the content hash of local files by stat identity (device, inode,
// size, mtime and ctime in ns), so `put file -r` of a folder that barely
// changed neither re-reads nor re-hashes the rest (like git's index).
// A file modified within RACY_NS of being hashed is not remembered: its
// mtime cannot tell a later same-size edit apart (git's "racy clean").
import type * as fs from "node:fs";
import type { Db } from "../db/client.ts";

const RACY_NS = 2_000_000_000n;

interface Entry {
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  hash: string;
}

export class StatCache {
  #db: Db;
  #rows = new Map<string, Entry>();
  #dirty = new Map<string, Entry>();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Loads the entries of every file under `dir` (absolute). */
  async load(dir: string): Promise<void> {
    const prefix = dir.endsWith("/") ? dir : dir + "/";
    const rows = await this.#db.all<any>(
      "SELECT path, dev, ino, size, mtime_ns, ctime_ns, hash FROM stat_cache WHERE path >= ? AND path < ?",
      [prefix, prefix + "\uffff"],
    );
    for (const r of rows) {
      this.#rows.set(r.path, { dev: r.dev, ino: r.ino, size: Number(r.size), mtimeNs: r.mtime_ns, ctimeNs: r.ctime_ns, hash: r.hash });
    }
  }

  /** The remembered hash when the file's stat identity is unchanged. */
  lookup(file: string, st: fs.BigIntStats): string | null {
    const e = this.#rows.get(file);
    if (!e) return null;
    const same = e.dev === String(st.dev) && e.ino === String(st.ino) && e.size === Number(st.size) &&
      e.mtimeNs === String(st.mtimeNs) && e.ctimeNs === String(st.ctimeNs);
    return same ? e.hash : null;
  }

  record(file: string, st: fs.BigIntStats, hash: string, nowNs: bigint): void {
    if (nowNs - st.mtimeNs < RACY_NS || nowNs - st.ctimeNs < RACY_NS) return;
    const e = { dev: String(st.dev), ino: String(st.ino), size: Number(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), hash };
    this.#rows.set(file, e);
    this.#dirty.set(file, e);
  }

  /** Writes new entries (after the commit they served: a lost cache only costs a re-read). */
  async save(): Promise<void> {
    const all = [...this.#dirty];
    this.#dirty.clear();
    if (!all.length) return;
    await this.#db.write(async (tx) => {
      for (let i = 0; i < all.length; i += 100) {
        const chunk = all.slice(i, i + 100);
        await tx.run(
          `INSERT OR REPLACE INTO stat_cache (path, dev, ino, size, mtime_ns, ctime_ns, hash) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
          chunk.flatMap(([p, e]) => [p, e.dev, e.ino, e.size, e.mtimeNs, e.ctimeNs, e.hash]),
        );
      }
    });
  }
}
