// The filesystem driver of the object store (../types.ts): <data-dir>/objects/ab/cdef... by SHA-256.
// Objects are written to temp files and become visible under their hash only
// in `flush()`: contents made durable -> rename into place -> names made
// durable. Callers commit metadata only after `flush()`, so a crash leaves at
// most temp files and unreferenced objects, and an object's path never exists
// with content that is not on disk. A large batch takes one syncfs instead of
// one fsync per file (10k small files: ~6 s of fsyncs here); a small one is
// fsynced file by file, so it never waits for other programs' writes. A big
// streamed object starts its own fsync as soon as it is complete, so its
// write-out overlaps whatever the caller does next and flush() mostly waits
// for fsyncs that are already done. An object's mtime says when it was last stored or reused.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { Runtime } from "../../../runtime/types.ts";
import { crashPoint } from "../../crash.ts";
import type { ObjectInfo, ObjectStore, ObjectWriter, StoredObject, WriterSource } from "../types.ts";

const SMALL = 8 << 20; // read files up to this size in one go
const SYNC_READ = 256 << 10; // ... and up to this size without leaving the event loop
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

async function fsyncPath(p: string): Promise<void> {
  const fh = await fsp.open(p, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync(2) on a thread of the runtime's pool, then close: the caller goes on meanwhile. */
function syncAndClose(fd: number): Promise<void> {
  const done = new Promise<void>((resolve, reject) =>
    fs.fsync(fd, (err) => {
      try {
        fs.closeSync(fd);
      } catch (closeErr) {
        err ??= closeErr as NodeJS.ErrnoException;
      }
      if (err) reject(err);
      else resolve();
    })
  );
  done.catch(() => undefined); // not unhandled: the flush() that waits for it rethrows
  return done;
}

export class FsObjectStore implements ObjectStore {
  readonly root: string;
  readonly tmpDir: string;
  #rt: Pick<Runtime, "sha256" | "sha256Hasher" | "syncfs">;
  #knownDirs = new Set<string>();
  /** Written but not yet flushed, by hash. */
  #pending = new Map<string, Pending>();
  #seq = 0;
  #flushing: Promise<void> = Promise.resolve();

  constructor(dataDir: string, rt: Pick<Runtime, "sha256" | "sha256Hasher" | "syncfs">) {
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
        await fsp.writeFile(tmp, data, { mode: 0o444 });
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
    const st = fs.lstatSync(src);
    if (!st.isFile()) throw new Error(`"${src}" is not a regular file`);
    // A file with other hard links shares its inode with a file elsewhere (a
    // transform without a sandbox can link any file of its user's into /pfs/out):
    // moving it would make that file read-only and let later edits of it change
    // stored bytes. Copy it instead.
    if (st.nlink > 1) {
      const copied = await this.putFile(src, { size: st.size });
      fs.unlinkSync(src);
      return copied;
    }
    // Move it out of the transform's reach first, then check that what moved is
    // what was looked at (not swapped for a link, not linked since), then hash it.
    const tmp = this.#tmpName();
    fs.renameSync(src, tmp);
    const moved = fs.lstatSync(tmp);
    if (!moved.isFile() || moved.ino !== st.ino || moved.dev !== st.dev || moved.nlink > 1) {
      fs.rmSync(tmp, { force: true });
      throw new Error(`"${src}" changed while calf was storing it`);
    }
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

  /**
   * Writers one after another (a spout's files), each one's temp file opened
   * on the thread pool while the one before is written: creating a file waits
   * for the filesystem's journal, ~0.4 ms here while other fsyncs run, which
   * for 1000 files was 15% of a spout's time. close() removes the temp file
   * opened ahead for nothing.
   */
  writers(): WriterSource {
    let spare: { tmp: string; fd: number } | null = null;
    let opening: Promise<void> | null = null;
    let closed = false;
    const drop = (f: { tmp: string; fd: number }) => {
      fs.closeSync(f.fd);
      fs.rmSync(f.tmp, { force: true });
    };
    const openAhead = () => {
      const tmp = this.#tmpName();
      opening = new Promise((resolve) =>
        fs.open(tmp, "w", 0o444, (err, fd) => {
          opening = null;
          // On error the next writer opens its file itself, and reports the error.
          if (!err && closed) drop({ tmp, fd });
          else if (!err) spare = { tmp, fd };
          resolve();
        })
      );
    };
    return {
      next: () => {
        if (closed) throw new Error("this writer source is closed");
        let file = spare;
        spare = null;
        if (!file) {
          const tmp = this.#tmpName();
          file = { tmp, fd: fs.openSync(tmp, "w", 0o444) };
        }
        if (!opening) openAhead();
        return this.#writerOn(file.tmp, file.fd);
      },
      close: async () => {
        closed = true;
        await opening;
        if (spare) drop(spare);
        spare = null;
      },
    };
  }

  #writerOn(tmp: string, fd: number): ObjectWriter {
    const hasher = this.#rt.sha256Hasher();
    let size = 0;
    let open = true;
    const mustBeOpen = () => {
      if (!open) throw new Error(`object writer for "${tmp}" is already closed`);
    };
    return {
      write(buf) {
        mustBeOpen();
        hasher.update(buf);
        size += buf.byteLength;
        try {
          for (let off = 0; off < buf.byteLength; ) off += fs.writeSync(fd, buf, off);
        } catch (err) {
          throw withPath(err, tmp);
        }
      },
      close: () => {
        mustBeOpen();
        open = false;
        const hash = hasher.digest();
        if (this.#reuse(hash)) {
          fs.closeSync(fd);
          fs.unlinkSync(tmp);
        } else if (size >= EARLY_SYNC) {
          this.#addPending(hash, tmp, syncAndClose(fd));
        } else {
          fs.closeSync(fd);
          this.#addPending(hash, tmp, null);
        }
        return { hash, size };
      },
      abort() {
        if (!open) return;
        open = false;
        fs.closeSync(fd);
        fs.rmSync(tmp, { force: true });
      },
    };
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

  /**
   * Removes a stored object. With `unchangedSince` (the mtimeMs list() gave),
   * only if no writer stored or reused it since: it is first renamed aside
   * (tmp/gc-<pid>-<time>-<hash>), so a writer that looks for it from then on
   * finds it gone and writes it again, and one that reused it just before has
   * moved its mtime: then it goes back. A gc killed in between leaves the
   * aside file for the next leftover sweep, which puts it back (ops/leftovers.ts).
   */
  async delete(hash: string, opts: { unchangedSince?: number } = {}): Promise<boolean> {
    const final = this.finalPath(hash);
    if (opts.unchangedSince === undefined) {
      const had = fs.existsSync(final);
      await fsp.rm(final, { force: true });
      return had;
    }
    const aside = path.join(this.tmpDir, `gc-${process.pid}-${Date.now().toString(36)}-${hash}`);
    try {
      fs.renameSync(final, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    crashPoint("gc.trashed");
    if (fs.statSync(aside).mtimeMs > opts.unchangedSince) {
      fs.renameSync(aside, final); // reused meanwhile: keep it (a fresh copy there has the same bytes)
      return false;
    }
    fs.unlinkSync(aside);
    return true;
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
      const now = new Date();
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

  /**
   * Whether `hash` is pending or stored; a stored one has its mtime set to now,
   * because the caller is about to reference it and gc must count it as fresh.
   * False when it is gone, also when gc moved it aside a moment ago: then the
   * caller writes it again.
   */
  #reuse(hash: string): boolean {
    if (this.#pending.has(hash)) return true;
    const now = new Date();
    try {
      fs.utimesSync(this.finalPath(hash), now, now);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return false;
      return fs.existsSync(this.finalPath(hash)); // e.g. a read-only data dir: present is present
    }
  }

  async #hashStream(stream: AsyncIterable<Uint8Array>): Promise<string> {
    const h = this.#rt.sha256Hasher();
    for await (const chunk of stream) h.update(chunk);
    return h.digest();
  }

  /** tmp/obj-<pid>-<ms, base 36>-<n>: ops/leftovers.ts tells a live writer's temp file from a dead one's by these. */
  #tmpName(): string {
    return path.join(this.tmpDir, `obj-${process.pid}-${Date.now().toString(36)}-${this.#seq++}`);
  }
}

/** A write error names its file (writeSync's does not), for "no space left on device (write /data/tmp/obj-…)". */
function withPath(err: unknown, file: string): unknown {
  if (err && typeof err === "object" && !("path" in err)) (err as { path?: string }).path = file;
  return err;
}
