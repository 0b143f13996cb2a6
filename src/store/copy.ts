// Copies objects from one store to another (`calf store push|pull`): skips
// what the destination has, streams the rest through a writer while hashing,
// and keeps nothing whose bytes do not hash to its name. Flushes the
// destination as it goes, so an interrupted copy keeps what it did.
import type { Hasher } from "../../runtime/types.ts";
import type { ObjectStore } from "./types.ts";

export interface CopyReport {
  /** Objects asked for. */
  wanted: number;
  copied: number;
  copiedBytes: number;
  /** Already in the destination. */
  skipped: number;
  /** Not in the source. */
  missing: string[];
  /** In the source with bytes that do not hash to their name: not copied. */
  corrupt: string[];
}

export interface CopyOptions {
  sha256Hasher(): Hasher;
  /** Copies in flight at once (default 16: each may wait on a network round trip). */
  concurrency?: number;
  /** Flush the destination after this many copies (default 2000). */
  flushEvery?: number;
  /** Called after each object. */
  progress?(done: number, r: CopyReport): void;
}

const isMissing = (err: unknown) => (err as { code?: string } | null)?.code === "ENOENT";
const isCorrupt = (err: unknown) => (err as { corrupt?: boolean } | null)?.corrupt === true;

export async function copyObjects(from: ObjectStore, to: ObjectStore, hashes: string[], opts: CopyOptions): Promise<CopyReport> {
  const r: CopyReport = { wanted: hashes.length, copied: 0, copiedBytes: 0, skipped: 0, missing: [], corrupt: [] };
  const flushEvery = opts.flushEvery ?? 2000;
  let next = 0;
  let done = 0;
  let sinceFlush = 0;
  const one = async (hash: string) => {
    if (await to.has(hash)) {
      r.skipped++;
      return;
    }
    const w = to.writer();
    const h = opts.sha256Hasher();
    let size = 0;
    try {
      for await (const chunk of from.stream(hash)) {
        h.update(chunk);
        w.write(chunk);
        size += chunk.byteLength;
      }
    } catch (err) {
      w.abort();
      if (isMissing(err)) return void r.missing.push(hash);
      if (isCorrupt(err)) return void r.corrupt.push(hash);
      throw err;
    }
    if (h.digest() !== hash) {
      w.abort();
      r.corrupt.push(hash);
      return;
    }
    w.close();
    r.copied++;
    r.copiedBytes += size;
    sinceFlush++;
  };
  const worker = async () => {
    while (next < hashes.length) {
      await one(hashes[next++]!);
      opts.progress?.(++done, r);
      if (sinceFlush >= flushEvery) {
        sinceFlush = 0;
        await to.flush();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 16) }, worker));
  await to.flush();
  r.missing.sort();
  r.corrupt.sort();
  return r;
}
