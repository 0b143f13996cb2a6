// The S3 driver's pending objects: each written object's bytes (in memory or
// a spool file) and its upload, started at once; flush() waits for them all,
// giving an upload that failed in the background one more go.
import * as fs from "node:fs";
import { CalfError } from "../../errors.ts";

/** A written object not yet covered by a finished flush(): its bytes, and its upload. */
export interface Pending {
  size: number;
  bytes: Uint8Array | null;
  file: string | null;
  upload: Promise<void>;
  failed: boolean;
}

export class Uploads {
  #pending = new Map<string, Pending>();
  #flushing: Promise<void> = Promise.resolve();
  /** Bytes of pending objects held in memory. */
  inMemory = 0;

  readonly #send: (hash: string, p: Pending) => Promise<void>;

  /** `send` uploads one object (HEAD first, then PUT or multipart). */
  constructor(send: (hash: string, p: Pending) => Promise<void>) {
    this.#send = send;
  }

  has(hash: string): boolean {
    return this.#pending.has(hash);
  }

  get(hash: string): Pending | undefined {
    return this.#pending.get(hash);
  }

  /** A new object to upload now (dropped when one with that hash is already pending). */
  add(hash: string, size: number, bytes: Uint8Array | null, file: string | null): void {
    if (this.#pending.has(hash)) {
      if (file) fs.rmSync(file, { force: true }); // a concurrent writer won
      return;
    }
    if (bytes) this.inMemory += size;
    const p: Pending = { size, bytes, file, upload: Promise.resolve(), failed: false };
    this.#pending.set(hash, p);
    this.#start(hash, p);
  }

  /** Starts (or restarts) the upload of a pending object. */
  #start(hash: string, p: Pending): void {
    p.failed = false;
    const upload = this.#send(hash, p);
    p.upload = upload;
    // Not unhandled: the flush() that covers this object waits for it and reports the error.
    upload.catch(() => {
      if (p.upload === upload) p.failed = true;
    });
  }

  /** Waits for every upload written so far; `stored(hash)` for each one that landed. Concurrent calls are serialised. */
  flush(stored: (hash: string) => void): Promise<void> {
    // A failed flush fails its caller, not every later one: the chain continues past it.
    const next = this.#flushing.catch(() => undefined).then(() => this.#flushNow(stored));
    this.#flushing = next;
    return next;
  }

  async #flushNow(stored: (hash: string) => void): Promise<void> {
    const batch = [...this.#pending];
    if (batch.length === 0) return;
    const results = await Promise.allSettled(batch.map(([hash, p]) => this.#settle(hash, p)));
    const errors: unknown[] = [];
    results.forEach((r, i) => {
      const [hash, p] = batch[i]!;
      if (r.status === "rejected") return void errors.push(r.reason);
      this.#pending.delete(hash);
      stored(hash);
      if (p.bytes) this.inMemory -= p.size;
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
}
