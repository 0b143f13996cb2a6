// The S3 driver of the object store (../types.ts): objects at PREFIX/cas/<sha256>,
// uploaded in the background as soon as they are written and waited for by
// flush(), so metadata is committed only after S3 has acknowledged the bytes.
// An object is never visible under its key unless whole; reads verify the hash.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { Hasher } from "../../../runtime/types.ts";
import { CalfError } from "../../errors.ts";
import type { ObjectInfo, ObjectStore, ObjectWriter, StoredObject, WriterSource } from "../types.ts";
import type { S3Client } from "./client.ts";
import { Limiter } from "./limiter.ts";

const MiB = 1 << 20;

export interface S3StoreOptions {
  client: S3Client;
  /** Key prefix: "" or ending in "/". */
  prefix: string;
  /** Where objects wait for their upload (created when first needed). */
  spoolDir: string;
  sha256(data: Uint8Array): string;
  sha256Hasher(): Hasher;
  /** Objects at least this big go up in parts (default 16 MiB). */
  multipartThreshold?: number;
  /** Size of each part (default 8 MiB; S3 wants at least 5 MiB but for the last). */
  partSize?: number;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Keys per ListObjectsV2 page (default 1000, S3's most). */
  listPageSize?: number;
  /** Request bodies held in memory at once (default 64 MiB). */
  memoryBytes?: number;
  /** A pending object up to this size waits in memory, not in a spool file (default 64 KiB)... */
  inMemoryMax?: number;
  /** ... while pending objects in memory take less than this in all (default 32 MiB). */
  inMemoryTotal?: number;
}

/** A written object not yet covered by a finished flush(): its bytes, and its upload. */
interface Pending {
  size: number;
  bytes: Uint8Array | null;
  file: string | null;
  upload: Promise<void>;
  failed: boolean;
}

const HASH = /^[0-9a-f]{64}$/;

function missing(hash: string, where: string): Error {
  return Object.assign(new Error(`object ${hash} does not exist in ${where}`), { code: "ENOENT" });
}

/**
 * Writers are synchronous by contract, so a new object goes to memory (small)
 * or a spool file (in the data dir's tmp/) and its upload starts at once,
 * bounded by a Limiter. Each upload HEADs first (no second PUT of an object S3
 * has), then sends one PUT (S3 checks the body against its SHA-256) or, for a
 * big object, a multipart upload completed only after every part landed and
 * aborted on failure.
 */
export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;
  readonly prefix: string;
  readonly spoolDir: string;
  readonly multipartThreshold: number;
  readonly partSize: number;
  readonly listPageSize: number;
  #sha256: (d: Uint8Array) => string;
  #hasher: () => Hasher;
  #limiter: Limiter;
  #inMemoryMax: number;
  #inMemoryTotal: number;
  #inMemory = 0;
  #pending = new Map<string, Pending>();
  /** Hashes this process has seen stored in S3 (uploaded, or found by HEAD): no HEAD needed. */
  #known = new Set<string>();
  #flushing: Promise<void> = Promise.resolve();
  #spoolReady = false;
  #seq = 0;

  constructor(o: S3StoreOptions) {
    this.client = o.client;
    this.prefix = o.prefix;
    this.spoolDir = o.spoolDir;
    this.#sha256 = o.sha256;
    this.#hasher = o.sha256Hasher;
    this.multipartThreshold = o.multipartThreshold ?? 16 * MiB;
    this.partSize = o.partSize ?? 8 * MiB;
    this.listPageSize = o.listPageSize ?? 1000;
    this.#limiter = new Limiter(o.concurrency ?? 16, o.memoryBytes ?? 64 * MiB);
    this.#inMemoryMax = o.inMemoryMax ?? 64 << 10;
    this.#inMemoryTotal = o.inMemoryTotal ?? 32 * MiB;
  }

  key(hash: string): string {
    return `${this.prefix}cas/${hash}`;
  }

  /** `s3://bucket/prefix`, for messages. */
  get url(): string {
    return this.client.display(this.prefix).replace(/\/$/, "");
  }

  async putBytes(data: Uint8Array): Promise<StoredObject> {
    const hash = this.#sha256(data);
    if (!this.#exists(hash)) {
      if (this.#fitsInMemory(data.byteLength)) this.#add(hash, data.byteLength, data.slice(), null);
      else {
        const file = this.#spoolName();
        await fsp.writeFile(file, data, { mode: 0o444 });
        this.#add(hash, data.byteLength, null, file);
      }
    }
    return { hash, size: data.byteLength };
  }

  async putFile(src: string, opts: { size?: number; move?: boolean } = {}): Promise<StoredObject> {
    if (opts.move) return this.#adopt(src);
    const size = opts.size ?? (await fsp.stat(src)).size;
    if (size <= this.#inMemoryMax) return this.putBytes(await fsp.readFile(src));
    return this.putStream(fs.createReadStream(src));
  }

  /** Takes a file the caller gives up (a transform's output): renamed into the spool, no copy. */
  async #adopt(src: string): Promise<StoredObject> {
    const st = fs.lstatSync(src);
    if (!st.isFile()) throw new Error(`"${src}" is not a regular file`);
    // Another hard link could change the bytes before they are uploaded: copy such a file (as fs/ does).
    if (st.nlink > 1) {
      const copied = await this.putFile(src, { size: st.size });
      fs.unlinkSync(src);
      return copied;
    }
    const tmp = this.#spoolName();
    try {
      fs.renameSync(src, tmp);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
      const copied = await this.putFile(src, { size: st.size });
      fs.unlinkSync(src);
      return copied;
    }
    const moved = fs.lstatSync(tmp);
    if (!moved.isFile() || moved.ino !== st.ino || moved.dev !== st.dev || moved.nlink > 1) {
      fs.rmSync(tmp, { force: true });
      throw new Error(`"${src}" changed while calf was storing it`);
    }
    if (this.#fitsInMemory(moved.size)) {
      const bytes = fs.readFileSync(tmp);
      fs.unlinkSync(tmp);
      const hash = this.#sha256(bytes);
      if (!this.#exists(hash)) this.#add(hash, bytes.byteLength, new Uint8Array(bytes), null);
      return { hash, size: bytes.byteLength };
    }
    const h = this.#hasher();
    for await (const chunk of fs.createReadStream(tmp)) h.update(chunk as Uint8Array);
    const hash = h.digest();
    if (this.#exists(hash)) fs.unlinkSync(tmp);
    else {
      fs.chmodSync(tmp, 0o444);
      this.#add(hash, moved.size, null, tmp);
    }
    return { hash, size: moved.size };
  }

  async putStream(chunks: AsyncIterable<Uint8Array | string>): Promise<StoredObject> {
    const w = this.writer();
    try {
      for await (const chunk of chunks) w.write(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
    } catch (err) {
      w.abort();
      throw err;
    }
    return w.close();
  }

  /** A new object written piece by piece into a spool file, synchronously. */
  writer(): ObjectWriter {
    const tmp = this.#spoolName();
    const fd = fs.openSync(tmp, "w", 0o444);
    const hasher = this.#hasher();
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
        for (let off = 0; off < buf.byteLength; ) off += fs.writeSync(fd, buf, off);
      },
      close: () => {
        mustBeOpen();
        open = false;
        fs.closeSync(fd);
        const hash = hasher.digest();
        if (this.#exists(hash)) fs.unlinkSync(tmp);
        else this.#add(hash, size, null, tmp);
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

  writers(): WriterSource {
    let closed = false;
    return {
      next: () => {
        if (closed) throw new Error("this writer source is closed");
        return this.writer();
      },
      close: async () => void (closed = true),
    };
  }

  async concat(parts: string[], extra?: Uint8Array): Promise<StoredObject> {
    if (parts.length === 1 && !extra) return { hash: parts[0]!, size: await this.#size(parts[0]!) };
    const self = this;
    async function* chunks() {
      for (const p of parts) yield* self.stream(p);
      if (extra) yield extra;
    }
    return this.putStream(chunks());
  }

  async has(hash: string): Promise<boolean> {
    if (this.#exists(hash)) return true;
    const found = (await this.#limiter.run(0, () => this.client.head(this.key(hash)))) !== null;
    if (found) this.#known.add(hash);
    return found;
  }

  async read(hash: string): Promise<Uint8Array> {
    const local = await this.#readPending(hash);
    if (local) return local;
    const bytes = await this.#limiter.run(0, () => this.client.get(this.key(hash)));
    if (!bytes) throw missing(hash, this.url);
    this.#verify(hash, this.#sha256(bytes));
    this.#known.add(hash);
    return bytes;
  }

  async *stream(hash: string): AsyncIterable<Uint8Array> {
    const p = this.#pending.get(hash);
    if (p?.bytes) {
      yield p.bytes.slice();
      return;
    }
    if (p?.file) {
      // An open file survives the unlink of a concurrent flush().
      const fh = await fsp.open(p.file, "r").catch(() => null);
      if (fh) {
        try {
          yield* fh.createReadStream({ autoClose: false });
        } finally {
          await fh.close();
        }
        return;
      }
    }
    const body = await this.#limiter.run(0, () => this.client.getStream(this.key(hash)));
    if (!body) throw missing(hash, this.url);
    const h = this.#hasher();
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      h.update(chunk);
      yield chunk;
    }
    this.#verify(hash, h.digest());
    this.#known.add(hash);
  }

  flush(): Promise<void> {
    // A failed flush fails its caller, not every later one: the chain continues past it.
    const next = this.#flushing.catch(() => undefined).then(() => this.#flushNow());
    this.#flushing = next;
    return next;
  }

  async #flushNow(): Promise<void> {
    const batch = [...this.#pending];
    if (batch.length === 0) return;
    const results = await Promise.allSettled(batch.map(([hash, p]) => this.#settle(hash, p)));
    const errors: unknown[] = [];
    results.forEach((r, i) => {
      const [hash, p] = batch[i]!;
      if (r.status === "rejected") return void errors.push(r.reason);
      this.#pending.delete(hash);
      this.#known.add(hash);
      if (p.bytes) this.#inMemory -= p.size;
      if (p.file) fs.rmSync(p.file, { force: true });
    });
    if (errors.length === 0) return;
    const first = errors[0] as Error;
    if (errors.length === 1) throw first;
    throw new CalfError("failed", `${first.message} (and ${errors.length - 1} more objects failed to upload)`, { hint: (first as CalfError).hint, cause: first });
  }

  /** Waits for an object's upload; one that failed in the background gets one more go (with its own retries). */
  async #settle(hash: string, p: Pending): Promise<void> {
    const fresh = p.failed;
    if (fresh) this.#start(hash, p);
    try {
      await p.upload;
    } catch (err) {
      if (fresh) throw err;
      this.#start(hash, p);
      await p.upload;
    }
  }

  async delete(hash: string): Promise<void> {
    this.#known.delete(hash);
    await this.#limiter.run(0, () => this.client.delete(this.key(hash)));
  }

  async *list(): AsyncIterable<ObjectInfo> {
    const base = `${this.prefix}cas/`;
    let next: string | null = null;
    do {
      const page: Awaited<ReturnType<S3Client["list"]>> = await this.#limiter.run(0, () => this.client.list(base, next, this.listPageSize));
      for (const o of page.objects) {
        const hash = o.key.slice(base.length);
        // Uploaded but not yet flushed here: not stored yet as far as this store's users know.
        if (!o.key.startsWith(base) || !HASH.test(hash) || this.#pending.has(hash)) continue;
        yield { hash, size: o.size, mtimeMs: o.mtimeMs };
      }
      next = page.next;
    } while (next);
  }

  localPath(): null {
    return null;
  }

  #exists(hash: string): boolean {
    return this.#pending.has(hash) || this.#known.has(hash);
  }

  #fitsInMemory(size: number): boolean {
    return size <= this.#inMemoryMax && this.#inMemory + size <= this.#inMemoryTotal;
  }

  #add(hash: string, size: number, bytes: Uint8Array | null, file: string | null): void {
    if (this.#pending.has(hash)) {
      if (file) fs.rmSync(file, { force: true }); // a concurrent writer won
      return;
    }
    if (bytes) this.#inMemory += size;
    const p: Pending = { size, bytes, file, upload: Promise.resolve(), failed: false };
    this.#pending.set(hash, p);
    this.#start(hash, p);
  }

  /** Starts (or restarts) the upload of a pending object. */
  #start(hash: string, p: Pending): void {
    p.failed = false;
    const upload = this.#upload(hash, p);
    p.upload = upload;
    // Not unhandled: the flush() that covers this object waits for it and reports the error.
    upload.catch(() => {
      if (p.upload === upload) p.failed = true;
    });
  }

  async #upload(hash: string, p: Pending): Promise<void> {
    const key = this.key(hash);
    const there = await this.#limiter.run(0, () => this.client.head(key));
    if (there && there.size === p.size) return;
    if (p.size < this.multipartThreshold) {
      await this.#limiter.run(p.size, async () => this.client.put(key, p.bytes ?? (await fsp.readFile(p.file!)), hash));
    } else {
      await this.#multipart(key, hash, p);
    }
  }

  /**
   * Uploads a big object in parts read in order (hashing the whole on the
   * way), several parts in flight; completes only when every part landed and
   * the bytes still hash to the object's name, else aborts the upload.
   */
  async #multipart(key: string, hash: string, p: Pending): Promise<void> {
    const partSize = Math.max(this.partSize, Math.ceil(p.size / 10_000)); // S3 allows 10,000 parts
    const uploadId = await this.#limiter.run(0, () => this.client.createMultipart(key));
    const fh = p.file ? await fsp.open(p.file, "r") : null;
    const parts: Promise<{ n: number; etag: string }>[] = [];
    let failed = false;
    try {
      const whole = this.#hasher();
      for (let n = 1, off = 0; off < p.size && !failed; n++, off += partSize) {
        const len = Math.min(partSize, p.size - off);
        const release = await this.#limiter.take(len);
        let body: Uint8Array;
        try {
          body = p.bytes ? p.bytes.subarray(off, off + len) : await readAt(fh!, off, len);
        } catch (err) {
          release();
          throw err;
        }
        whole.update(body);
        const partNo = n;
        const sent = this.client.uploadPart(key, uploadId, partNo, body, this.#sha256(body)).then((etag) => ({ n: partNo, etag }));
        sent.then(release, () => {
          release();
          failed = true;
        });
        parts.push(sent);
      }
      const done = await Promise.allSettled(parts);
      const bad = done.find((r) => r.status === "rejected");
      if (bad) throw (bad as PromiseRejectedResult).reason;
      const got = whole.digest();
      if (got !== hash) throw new CalfError("failed", `object store: the bytes waiting to go to ${this.client.display(key)} changed (they now hash to ${got})`);
      await this.#limiter.run(0, () => this.client.completeMultipart(key, uploadId, done.map((r) => (r as PromiseFulfilledResult<{ n: number; etag: string }>).value)));
    } catch (err) {
      await Promise.allSettled(parts); // no part may land after the abort
      await this.client.abortMultipart(key, uploadId).catch(() => undefined); // best effort: a lifecycle rule cleans what is left
      throw err;
    } finally {
      await fh?.close();
    }
  }

  async #readPending(hash: string): Promise<Uint8Array | null> {
    const p = this.#pending.get(hash);
    if (p?.bytes) return p.bytes.slice();
    if (p?.file) {
      try {
        return new Uint8Array(await fsp.readFile(p.file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // flushed meanwhile: it is in S3
      }
    }
    return null;
  }

  async #size(hash: string): Promise<number> {
    const p = this.#pending.get(hash);
    if (p) return p.size;
    const head = await this.#limiter.run(0, () => this.client.head(this.key(hash)));
    if (!head) throw missing(hash, this.url);
    return head.size;
  }

  #verify(hash: string, got: string): void {
    if (got === hash) return;
    const err = new CalfError("failed", `object store: ${this.client.display(this.key(hash))} holds bytes that hash to ${got}, not to its name`, {
      hint: "the stored object is corrupt: delete it, then put the file again (or restore it with calf store pull)",
    });
    throw Object.assign(err, { corrupt: true }); // store/copy.ts reports such an object and goes on
  }

  #spoolName(): string {
    if (!this.#spoolReady) {
      fs.mkdirSync(this.spoolDir, { recursive: true });
      this.#spoolReady = true;
    }
    return path.join(this.spoolDir, `s3-${process.pid}-${Date.now().toString(36)}-${this.#seq++}`);
  }
}

async function readAt(fh: fsp.FileHandle, off: number, len: number): Promise<Uint8Array> {
  const buf = new Uint8Array(len);
  for (let got = 0; got < len; ) {
    const { bytesRead } = await fh.read(buf, got, len - got, off + got);
    if (bytesRead === 0) throw new Error(`spool file ended early (${got} of ${len} bytes at ${off})`);
    got += bytesRead;
  }
  return buf;
}
