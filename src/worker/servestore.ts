// The object store of a worker whose serve keeps objects on its own disk:
// inputs come inline with the lease or by GET /api/v1/objects/HASH; outputs
// stay here until the report, small ones travel inside it (base64), big ones
// go up by PUT at flush(). Only what runDatum needs is supported.
import { Buffer } from "node:buffer";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";
import type { ObjectInfo, ObjectStore, ObjectWriter, StoredObject, WriterSource } from "../store/types.ts";
import type { ServeClient } from "./client.ts";
import { INLINE_MAX } from "./protocol.ts";

export class ServeStore implements ObjectStore {
  /** Inline inputs by lease. */
  #inputs = new Map<string, Map<string, Uint8Array>>();
  #small = new Map<string, Uint8Array>();
  #big = new Map<string, string>();
  #seq = 0;

  constructor(private readonly client: ServeClient, private readonly spool: string, private readonly rt: Pick<Runtime, "sha256" | "sha256Hasher">) {
    fs.mkdirSync(spool, { recursive: true });
  }

  addInputs(lease: string, objects: Record<string, string>): void {
    this.#inputs.set(lease, new Map(Object.entries(objects).map(([h, b64]) => [h, new Uint8Array(Buffer.from(b64, "base64"))])));
  }

  dropInputs(lease: string): void {
    this.#inputs.delete(lease);
  }

  /** A small output's bytes as base64, for the report; undefined for a big one (uploaded at flush). */
  inlineData(hash: string): string | undefined {
    const b = this.#small.get(hash);
    return b ? Buffer.from(b).toString("base64") : undefined;
  }

  /** Forgets small outputs once a report carried them. */
  forget(hashes: string[]): void {
    for (const h of hashes) this.#small.delete(h);
  }

  async putBytes(data: Uint8Array): Promise<StoredObject> {
    const hash = this.rt.sha256(data);
    if (data.byteLength <= INLINE_MAX) this.#small.set(hash, data);
    else if (!this.#big.has(hash)) {
      const f = this.#spoolName();
      fs.writeFileSync(f, data);
      this.#big.set(hash, f);
    }
    return { hash, size: data.byteLength };
  }

  async putFile(src: string, opts: { size?: number; move?: boolean } = {}): Promise<StoredObject> {
    const size = opts.size ?? fs.statSync(src).size;
    if (size <= INLINE_MAX) {
      const out = await this.putBytes(new Uint8Array(fs.readFileSync(src)));
      if (opts.move) fs.rmSync(src, { force: true });
      return out;
    }
    const f = this.#spoolName();
    if (opts.move) fs.renameSync(src, f);
    else fs.copyFileSync(src, f);
    const h = this.rt.sha256Hasher();
    for await (const chunk of fs.createReadStream(f)) h.update(chunk as Uint8Array);
    const hash = h.digest();
    if (this.#big.has(hash)) fs.rmSync(f, { force: true });
    else this.#big.set(hash, f);
    return { hash, size };
  }

  async putStream(): Promise<StoredObject> {
    throw new Error("a worker stores no streams");
  }

  writer(): ObjectWriter {
    throw new Error("a worker has no object writers");
  }

  writers(): WriterSource {
    throw new Error("a worker has no object writers");
  }

  async concat(): Promise<StoredObject> {
    throw new Error("a worker concatenates no objects");
  }

  async has(hash: string): Promise<boolean> {
    return this.#small.has(hash) || this.#big.has(hash) || [...this.#inputs.values()].some((m) => m.has(hash));
  }

  async read(hash: string): Promise<Uint8Array> {
    for (const m of this.#inputs.values()) {
      const b = m.get(hash);
      if (b) return b;
    }
    return this.client.retry(() => this.client.getObject(hash));
  }

  async *stream(hash: string): AsyncIterable<Uint8Array> {
    for (const m of this.#inputs.values()) {
      const b = m.get(hash);
      if (b) return yield b;
    }
    // The request is retried; a stream cut short fails the reader (a datum's attempt: its tries apply).
    const body = await this.client.retry(() => this.client.getObjectStream(hash));
    yield* body as unknown as AsyncIterable<Uint8Array>;
  }

  /** Uploads every big output made so far (serve checks each one's hash as it stores it). */
  async flush(): Promise<void> {
    for (const [hash, file] of [...this.#big]) {
      await this.client.retry(() => this.client.putObjectFile(hash, file));
      fs.rmSync(file, { force: true });
      this.#big.delete(hash);
    }
  }

  async delete(): Promise<boolean> {
    return false;
  }

  async *list(): AsyncIterable<ObjectInfo> {}

  localPath(): null {
    return null;
  }

  #spoolName(): string {
    return path.join(this.spool, `out-${this.#seq++}`);
  }
}
