// The filesystem driver of the object store (../types.ts): <data-dir>/objects/ab/cdef...
// by SHA-256. Objects are written to temp files and become visible only in
// flush(): contents durable (fsync per file, or one syncfs for a big batch;
// a big streamed object starts its fsync early) -> rename -> names durable.
// Metadata is committed after flush(), so a crash leaves at most temp files
// and unreferenced objects. An object's mtime is when it was last stored or
// reused (gcsafe.ts).
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { Runtime } from "../../../runtime/types.ts";
import { crashPoint } from "../../crash.ts";
import type { ObjectInfo, ObjectStore, ObjectWriter, StoredObject, WriterSource } from "../types.ts";
import { moveIn } from "../adopt.ts";
import { fileWriter, withPath, writerSource } from "./writer.ts";
import { fsyncPath, syncAndClose } from "./durable.ts";
import { removeUnlessReused, touchIfStored } from "./gcsafe.ts";

const SMALL = 8 << 20; // read files up to this size in one go
const SYNC_READ = 256 << 10; // ... and up to this size without leaving the event loop
const SYNC_WRITE = 64 << 10; // objects up to this size are written without leaving the event loop
/** Up to this many pending objects are fsynced one by one; more take one syncfs. */
const SMALL_BATCH = 64;
/**
 * A streamed object at least this big is fsynced as soon as it is written (in
 * the background): writing it out then takes longer than the journal commit
 * each fsync costs, so it is worth overlapping with the next object's writes.
 */
const EARLY_SYNC = 512 << 10;

/** A written, not yet flushed object: its temp file, and its early fsync if one was started. */
interface Pending {
  tmp: string;
  synced: Promise<void> | null;
}

export class FsObjectStore implements ObjectStore {
  readonly root: string;
  readonly tmpDir: string;
  #rt: Pick<Runtime, "sha256" | "sha256Hasher" | "syncfs">;
  #knownDirs = new Set<string>();
  /** Written but not yet flushed, by hash. */
  #pending = new Map<string, Pending>();
  #seq = 0;
  /** The clock: an object's mtime says when it was last stored or reused (gc's grace period). */
  #now: () => Date;
  #flushing: Promise<void> = Promise.resolve();

  constructor(dataDir: string, rt: Pick<Runtime, "sha256" | "sha256Hasher" | "syncfs">, clock: { now(): Date }) {
    this.#now = () => clock.now();
    this.root = path.join(dataDir, "objects");
    this.tmpDir = path.join(dataDir, "tmp");
    this.#rt = rt;
    fs.mkdirSync(this.root, { recursive: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  /** Where an object's bytes are now (its temp file until the next flush). */
  localPath(hash: string): string {
    return this.#pending.get(hash)?.tmp ?? this.finalPath(hash);
  }

  finalPath(hash: string): string {
    return path.join(this.root, hash.slice(0, 2), hash.slice(2));
  }

  /** Whether the object is stored or pending; a stored one counts as just reused (see #reuse). */
  async has(hash: string): Promise<boolean> {
    return this.#reuse(hash);
  }

  async putBytes(data: Uint8Array): Promise<StoredObject> {
    const hash = this.#rt.sha256(data);
    if (!this.#reuse(hash)) {
      const tmp = this.#tmpName();
      try {
        // Small objects are written without leaving the event loop (a thread-pool hop costs more than the write).
        if (data.byteLength <= SYNC_WRITE) fs.writeFileSync(tmp, data, { mode: 0o444 });
        else await fsp.writeFile(tmp, data, { mode: 0o444 });
      } catch (err) {
        fs.rmSync(tmp, { force: true }); // a full disk leaves no partial temp file behind
        throw withPath(err, tmp);
      }
      this.#addPending(hash, tmp, null);
    }
    return { hash, size: data.byteLength };
  }

  /** Copies a file into the store (streamed when large); with `move`, renames it in (no copy). */
  async putFile(src: string, opts: { size?: number; move?: boolean } = {}): Promise<StoredObject> {
    if (opts.move) return this.#adopt(src);
    const size = opts.size ?? (await fsp.stat(src)).size;
    if (size <= SMALL) return this.putBytes(await fsp.readFile(src));
    return this.putStream(fs.createReadStream(src));
  }

  /**
   * Moves a file the caller gives up (a transform's output) into the store:
   * rename and hash, no copy. The source path is gone afterwards.
   */
  async #adopt(src: string): Promise<StoredObject> {
    const tmp = this.#tmpName();
    const size = moveIn(src, tmp);
    if (size === null) {
      const copied = await this.putFile(src);
      fs.unlinkSync(src);
      return copied;
    }
    const moved = { size };
    // Most outputs are small: read them synchronously (a thread-pool hop per
    // call cost more than the syscalls: ~0.3 ms per datum with 3k tiny outputs).
    const hash = moved.size <= SYNC_READ
      ? this.#rt.sha256(fs.readFileSync(tmp))
      : moved.size <= SMALL ? this.#rt.sha256(await fsp.readFile(tmp)) : await this.#hashStream(fs.createReadStream(tmp));
    if (this.#reuse(hash)) {
      fs.unlinkSync(tmp);
    } else {
      fs.chmodSync(tmp, 0o444);
      this.#addPending(hash, tmp, null);
    }
    return { hash, size: moved.size };
  }

  /** Stores the concatenation of a stream's chunks. */
  async putStream(chunks: AsyncIterable<Uint8Array | string>): Promise<StoredObject> {
    const w = this.writer();
    try {
      for await (const chunk of chunks) w.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    } catch (err) {
      w.abort();
      throw err;
    }
    return w.close();
  }

  /**
   * A new object written piece by piece, synchronously: no promise per chunk.
   * Call abort() if it is not to be kept, else its temp file stays behind.
   */
  writer(): ObjectWriter {
    const tmp = this.#tmpName();
    return this.#writerOn(tmp, fs.openSync(tmp, "w", 0o444));
  }

  /** Writers one after another (a spout's files), each next temp file opened ahead (writer.ts). */
  writers(): WriterSource {
    return writerSource(() => this.#tmpName(), (tmp, fd) => this.#writerOn(tmp, fd));
  }

  #writerOn(tmp: string, fd: number): ObjectWriter {
    return fileWriter(tmp, fd, this.#rt.sha256Hasher(), (hash, size) => {
      if (this.#reuse(hash)) {
        fs.closeSync(fd);
        fs.unlinkSync(tmp);
      } else if (size >= EARLY_SYNC) {
        this.#addPending(hash, tmp, syncAndClose(fd));
      } else {
        fs.closeSync(fd);
        this.#addPending(hash, tmp, null);
      }
    });
  }

  /** Stores the concatenation of existing objects followed by extra bytes (append). */
  async concat(parts: string[], extra?: Uint8Array): Promise<StoredObject> {
    if (parts.length === 1 && !extra) {
      const fh = await this.#open(parts[0]!);
      try {
        return { hash: parts[0]!, size: (await fh.stat()).size };
      } finally {
        await fh.close();
      }
    }
    const self = this;
    async function* chunks() {
      for (const p of parts) {
        const fh = await self.#open(p); // an open file survives the rename of a concurrent flush
        try {
          yield* fh.createReadStream({ autoClose: false });
        } finally {
          await fh.close();
        }
      }
      if (extra) yield extra;
    }
    return this.putStream(chunks());
  }

  async read(hash: string): Promise<Buffer> {
    const fh = await this.#open(hash);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async *stream(hash: string): AsyncIterable<Uint8Array> {
    const fh = await this.#open(hash);
    try {
      yield* fh.createReadStream({ autoClose: false });
    } finally {
      await fh.close();
    }
  }

  /** Removes a stored object; with `unchangedSince`, only if no writer stored or reused it since (gcsafe.ts). */
  async delete(hash: string, opts: { unchangedSince?: number } = {}): Promise<boolean> {
    const final = this.finalPath(hash);
    if (opts.unchangedSince === undefined) {
      const had = fs.existsSync(final);
      await fsp.rm(final, { force: true });
      return had;
    }
    const aside = path.join(this.tmpDir, `gc-${process.pid}-${this.#now().getTime().toString(36)}-${hash}`);
    return removeUnlessReused(final, aside, opts.unchangedSince);
  }

  async *list(): AsyncIterable<ObjectInfo> {
    for (const dir of (await fsp.readdir(this.root)).sort()) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of (await fsp.readdir(path.join(this.root, dir))).sort()) {
        const st = await fsp.stat(path.join(this.root, dir, name)).catch(() => null);
        if (st?.isFile()) yield { hash: dir + name, size: st.size, mtimeMs: st.mtimeMs };
      }
    }
  }

  /**
   * Makes every object written so far durable and visible under its hash.
   * Call before committing metadata that references them. Concurrent calls
   * are serialised; each one covers everything written before it started.
   */
  flush(): Promise<void> {
    // A failed flush fails its caller, not every later one: the chain continues past it.
    const next = this.#flushing.catch(() => undefined).then(() => this.#flushNow());
    this.#flushing = next;
    return next;
  }

  async #flushNow(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending].map(([hash, p]) => ({ hash, ...p }));
    // syncfs flushes everything dirty on the filesystem, other programs' writes
    // included: worth it for a big batch, not for the few outputs of one datum.
    // The fsyncs of a small batch run side by side (the journal commits them together).
    const loose = batch.filter((p) => p.synced === null);
    if (loose.length <= SMALL_BATCH) await Promise.all(loose.map((p) => fsyncPath(p.tmp)));
    else this.#rt.syncfs(this.tmpDir);
    await Promise.all(batch.map((p) => p.synced));
    const dirs = new Set<string>();
    for (const { hash, tmp } of batch) {
      const dir = path.join(this.root, hash.slice(0, 2));
      if (!this.#knownDirs.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        this.#knownDirs.add(dir);
      }
      // Stored now, whenever it was written: gc's grace period counts from here.
      const now = this.#now();
      fs.utimesSync(tmp, now, now);
      fs.renameSync(tmp, this.finalPath(hash));
      crashPoint("object.stored");
      // Renamed: readers must now find it at its final path (localPath, #open retry).
      if (this.#pending.get(hash)?.tmp === tmp) this.#pending.delete(hash);
      dirs.add(dir);
    }
    if (dirs.size <= SMALL_BATCH) await Promise.all([...dirs].map(fsyncPath));
    else this.#rt.syncfs(this.root);
  }

  /**
   * Opens an object for reading. A pending object may be renamed into place by
   * a concurrent flush between localPath() and open(): then it is at its final path.
   */
  async #open(hash: string): Promise<fsp.FileHandle> {
    const first = this.localPath(hash);
    try {
      return await fsp.open(first, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || first === this.finalPath(hash)) throw err;
      return fsp.open(this.finalPath(hash), "r");
    }
  }

  #addPending(hash: string, tmp: string, synced: Promise<void> | null): void {
    if (this.#pending.has(hash)) fs.rmSync(tmp, { force: true }); // a concurrent writer won
    else this.#pending.set(hash, { tmp, synced });
    crashPoint("object.written");
  }

  /** Pending, or stored: then its mtime moves to now (the caller will reference it; gc counts it fresh). */
  #reuse(hash: string): boolean {
    return this.#pending.has(hash) || touchIfStored(this.finalPath(hash), this.#now());
  }

  async #hashStream(stream: AsyncIterable<Uint8Array>): Promise<string> {
    const h = this.#rt.sha256Hasher();
    for await (const chunk of stream) h.update(chunk);
    return h.digest();
  }

  /** tmp/obj-<pid>-<ms, base 36>-<n>: ops/leftovers.ts tells a live writer's temp file from a dead one's by these. */
  #tmpName(): string {
    return path.join(this.tmpDir, `obj-${process.pid}-${this.#now().getTime().toString(36)}-${this.#seq++}`);
  }
}

