// The in-memory driver of the object store (../types.ts): objects in a Map,
// for tests and for what needs a store without a disk. Keeps the contract's
// shape exactly: a new object is pending until flush(), but readable at once.
import * as fs from "node:fs";
import type { ObjectInfo, ObjectStore, ObjectWriter, StoredObject, WriterSource } from "../types.ts";

export class MemoryObjectStore implements ObjectStore {
  readonly #sha256: (data: Uint8Array) => string;
  readonly #hasher: () => { update(d: Uint8Array): void; digest(): string };
  readonly #now: () => number;
  #stored = new Map<string, { bytes: Uint8Array; at: number }>();
  #pending = new Map<string, Uint8Array>();

  constructor(deps: { sha256: (data: Uint8Array) => string; sha256Hasher: () => { update(d: Uint8Array): void; digest(): string }; now?: () => number }) {
    this.#sha256 = deps.sha256;
    this.#hasher = deps.sha256Hasher;
    this.#now = deps.now ?? (() => 0);
  }

  async putBytes(data: Uint8Array): Promise<StoredObject> {
    return this.#put(data.slice());
  }

  async putFile(path: string, opts: { size?: number; move?: boolean } = {}): Promise<StoredObject> {
    const o = this.#put(new Uint8Array(fs.readFileSync(path)));
    if (opts.move) fs.unlinkSync(path);
    return o;
  }

  async putStream(chunks: AsyncIterable<Uint8Array | string>): Promise<StoredObject> {
    const parts: Uint8Array[] = [];
    for await (const c of chunks) parts.push(typeof c === "string" ? new TextEncoder().encode(c) : c.slice());
    return this.#put(join(parts));
  }

  writer(): ObjectWriter {
    const parts: Uint8Array[] = [];
    const hasher = this.#hasher();
    let open = true;
    return {
      write: (bytes) => {
        if (!open) throw new Error("object writer is already closed");
        hasher.update(bytes);
        parts.push(bytes.slice());
      },
      close: () => {
        if (!open) throw new Error("object writer is already closed");
        open = false;
        const bytes = join(parts);
        const hash = hasher.digest();
        if (!this.#reuse(hash)) this.#pending.set(hash, bytes);
        return { hash, size: bytes.byteLength };
      },
      abort: () => void (open = false),
    };
  }

  writers(): WriterSource {
    return { next: () => this.writer(), close: async () => {} };
  }

  async concat(parts: string[], extra?: Uint8Array): Promise<StoredObject> {
    if (parts.length === 1 && !extra) return { hash: parts[0]!, size: this.#bytes(parts[0]!).byteLength };
    return this.#put(join([...parts.map((p) => this.#bytes(p)), ...(extra ? [extra] : [])]));
  }

  async has(hash: string): Promise<boolean> {
    return this.#reuse(hash);
  }

  async read(hash: string): Promise<Uint8Array> {
    return this.#bytes(hash).slice();
  }

  async *stream(hash: string): AsyncIterable<Uint8Array> {
    const b = this.#bytes(hash);
    for (let off = 0; off < b.byteLength; off += 64 << 10) yield b.slice(off, off + (64 << 10));
  }

  async flush(): Promise<void> {
    const at = this.#now();
    for (const [hash, bytes] of this.#pending) this.#stored.set(hash, { bytes, at });
    this.#pending.clear();
  }

  async delete(hash: string, opts: { unchangedSince?: number } = {}): Promise<boolean> {
    const o = this.#stored.get(hash);
    if (!o || (opts.unchangedSince !== undefined && o.at > opts.unchangedSince)) return false;
    this.#stored.delete(hash);
    return true;
  }

  async *list(): AsyncIterable<ObjectInfo> {
    for (const hash of [...this.#stored.keys()].sort()) {
      const o = this.#stored.get(hash);
      if (o) yield { hash, size: o.bytes.byteLength, mtimeMs: o.at };
    }
  }

  localPath(): null {
    return null;
  }

  #put(bytes: Uint8Array): StoredObject {
    const hash = this.#sha256(bytes);
    if (!this.#reuse(hash)) this.#pending.set(hash, bytes);
    return { hash, size: bytes.byteLength };
  }

  /** Whether it is pending or stored; a stored one counts as stored now (gc's grace period). */
  #reuse(hash: string): boolean {
    if (this.#pending.has(hash)) return true;
    const o = this.#stored.get(hash);
    if (o) o.at = this.#now();
    return !!o;
  }


  #bytes(hash: string): Uint8Array {
    const b = this.#pending.get(hash) ?? this.#stored.get(hash)?.bytes;
    if (!b) throw Object.assign(new Error(`object ${hash} does not exist`), { code: "ENOENT" });
    return b;
  }
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}
