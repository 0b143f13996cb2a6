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
import { multipartUpload } from "./multipart.ts";
import { moveIn } from "../adopt.ts";
import { fileWriter } from "../fs/writer.ts";

const MiB = 1 << 20;

export type { S3StoreOptions } from "./options.ts";
import type { S3StoreOptions } from "./options.ts";

export type { Pending } from "./uploads.ts";
import { Uploads, type Pending } from "./uploads.ts";

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
  #uploads: Uploads;
  #spoolReady = false;
  #seq = 0;
  /** Tells this store's spool files from those of an earlier process that had the same pid (ops/leftovers.ts). */
  readonly #tag: string;

  constructor(o: S3StoreOptions) {
    this.client = o.client;
    this.prefix = o.prefix;
    this.spoolDir = o.spoolDir;
    this.#tag = o.openedAt.toString(36);
    this.#sha256 = o.sha256;
    this.#hasher = o.sha256Hasher;
    this.multipartThreshold = o.multipartThreshold ?? 16 * MiB;
    this.partSize = o.partSize ?? 8 * MiB;
    this.listPageSize = o.listPageSize ?? 1000;
    this.#limiter = new Limiter(o.concurrency ?? 16, o.memoryBytes ?? 64 * MiB);
    this.#uploads = new Uploads((hash, p) => this.#upload(hash, p));
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

  /** Takes a file the caller gives up (a transform's output): renamed into the spool, no copy (store/adopt.ts). */
  async #adopt(src: string): Promise<StoredObject> {
    const tmp = this.#spoolName();
    const size = moveIn(src, tmp);
    if (size === null) {
      const copied = await this.putFile(src);
      fs.unlinkSync(src);
      return copied;
    }
    const moved = { size };
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
    return fileWriter(tmp, fd, this.#hasher(), (hash, size) => {
      fs.closeSync(fd);
      if (this.#exists(hash)) fs.unlinkSync(tmp);
      else this.#add(hash, size, null, tmp);
    });
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

  /** Pending, or stored: then refreshed (CopyObject onto itself), which counts as a reuse for gc. */
  async has(hash: string): Promise<boolean> {
    if (this.#uploads.has(hash)) return true;
    return this.#limiter.run(0, () => this.client.touch(this.key(hash)));
  }

  async read(hash: string): Promise<Uint8Array> {
    const local = await this.#readPending(hash);
    if (local) return local;
    const bytes = await this.#limiter.run(0, () => this.client.get(this.key(hash)));
    if (!bytes) throw missing(hash, this.url);
    this.#verify(hash, this.#sha256(bytes));
    return bytes;
  }

  async *stream(hash: string): AsyncIterable<Uint8Array> {
    const p = this.#uploads.get(hash);
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
  }

  flush(): Promise<void> {
    return this.#uploads.flush(() => undefined);
  }

  /**
   * Removes an object. With `unchangedSince` (the mtimeMs list() gave), only
   * when its last-modified time has not moved since (a writer that reused it
   * refreshed it): S3 has no rename, so the check and the DELETE are two
   * requests, and a reuse landing between them is lost to this delete (see
   * README, gc on S3).
   */
  async delete(hash: string, opts: { unchangedSince?: number } = {}): Promise<boolean> {
    const key = this.key(hash);
    if (opts.unchangedSince !== undefined) {
      const now = (await this.#limiter.run(0, () => this.client.list(key, null, 1))).objects.find((o) => o.key === key);
      if (!now || now.mtimeMs > opts.unchangedSince) return false;
    } else if ((await this.#limiter.run(0, () => this.client.head(key))) === null) return false;
    await this.#limiter.run(0, () => this.client.delete(key));
    return true;
  }

  async *list(): AsyncIterable<ObjectInfo> {
    const base = `${this.prefix}cas/`;
    let next: string | null = null;
    do {
      const page: Awaited<ReturnType<S3Client["list"]>> = await this.#limiter.run(0, () => this.client.list(base, next, this.listPageSize));
      for (const o of page.objects) {
        const hash = o.key.slice(base.length);
        // Uploaded but not yet flushed here: not stored yet as far as this store's users know.
        if (!o.key.startsWith(base) || !HASH.test(hash) || this.#uploads.has(hash)) continue;
        yield { hash, size: o.size, mtimeMs: o.mtimeMs };
      }
      next = page.next;
    } while (next);
  }

  localPath(): null {
    return null;
  }

  /**
   * Pending here. An object already in S3 is written again all the same: its
   * upload finds it there and only refreshes it (#upload), so flush() covers
   * the reuse that gc's grace period counts from.
   */
  #exists(hash: string): boolean {
    return this.#uploads.has(hash);
  }

  #fitsInMemory(size: number): boolean {
    return size <= this.#inMemoryMax && this.#uploads.inMemory + size <= this.#inMemoryTotal;
  }

  #add(hash: string, size: number, bytes: Uint8Array | null, file: string | null): void {
    this.#uploads.add(hash, size, bytes, file);
  }

  async #upload(hash: string, p: Pending): Promise<void> {
    const key = this.key(hash);
    const there = await this.#limiter.run(0, () => this.client.head(key));
    // Already stored (a reuse): refreshed so gc counts it as fresh; gone meanwhile: uploaded anew.
    if (there && there.size === p.size && (await this.#limiter.run(0, () => this.client.touch(key)))) return;
    if (p.size < this.multipartThreshold) {
      await this.#limiter.run(p.size, async () => this.client.put(key, p.bytes ?? (await fsp.readFile(p.file!)), hash));
    } else {
      await multipartUpload({ client: this.client, limiter: this.#limiter, hasher: this.#hasher, sha256: this.#sha256, partSize: this.partSize }, key, hash, p);
    }
  }
  async #readPending(hash: string): Promise<Uint8Array | null> {
    const p = this.#uploads.get(hash);
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
    const p = this.#uploads.get(hash);
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
    return path.join(this.spoolDir, `s3-${process.pid}-${this.#tag}-${this.#seq++}`);
  }
}
