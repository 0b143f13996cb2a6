// Content-addressed object store: <data-dir>/objects/ab/cdef... by SHA-256.
// Objects are written to a temp file, fsynced, then renamed into place, and
// callers commit metadata only after `put*` resolves — so a crash leaves at
// most unreferenced objects, never a reference to a missing or torn one.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";

export interface StoredObject {
  hash: string;
  size: number;
}

const SMALL = 8 << 20; // read files up to this size in one go

export class ObjectStore {
  readonly root: string;
  readonly tmpDir: string;
  #rt: Runtime;
  #knownDirs = new Set<string>();
  #dirtyDirs = new Set<string>();
  #seq = 0;

  constructor(dataDir: string, rt: Runtime) {
    this.root = path.join(dataDir, "objects");
    this.tmpDir = path.join(dataDir, "tmp");
    this.#rt = rt;
    fs.mkdirSync(this.root, { recursive: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  pathOf(hash: string): string {
    return path.join(this.root, hash.slice(0, 2), hash.slice(2));
  }

  has(hash: string): boolean {
    return fs.existsSync(this.pathOf(hash));
  }

  /** Stores bytes; a no-op when an object with that content exists. */
  async putBytes(data: Uint8Array): Promise<StoredObject> {
    const hash = this.#rt.sha256(data);
    if (!this.has(hash)) {
      const tmp = this.#tmpName();
      await writeSynced(tmp, data);
      this.#install(tmp, hash);
    }
    return { hash, size: data.byteLength };
  }

  /** Copies a file into the store (streamed when large). */
  async putFile(src: string): Promise<StoredObject> {
    const st = await fsp.stat(src);
    if (st.size <= SMALL) return this.putBytes(await fsp.readFile(src));
    return this.putStream(fs.createReadStream(src));
  }

  /**
   * Moves a file the caller owns (a transform's output) into the store: hash,
   * fsync, rename — no copy. The source path is gone afterwards.
   */
  async adoptFile(src: string): Promise<StoredObject> {
    const st = await fsp.stat(src);
    const hash = st.size <= SMALL ? this.#rt.sha256(await fsp.readFile(src)) : await this.#hashStream(fs.createReadStream(src));
    if (this.has(hash)) {
      await fsp.unlink(src);
    } else {
      const fh = await fsp.open(src, "r");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.chmod(src, 0o444);
      this.#install(src, hash);
    }
    return { hash, size: st.size };
  }

  /** Stores the concatenation of a stream's chunks. */
  async putStream(chunks: AsyncIterable<Uint8Array | string>): Promise<StoredObject> {
    const tmp = this.#tmpName();
    const hasher = this.#rt.sha256Hasher();
    const fh = await fsp.open(tmp, "w", 0o444);
    let size = 0;
    try {
      for await (const chunk of chunks) {
        const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        hasher.update(buf);
        size += buf.byteLength;
        await fh.write(buf);
      }
      await fh.sync();
    } catch (err) {
      await fh.close();
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const hash = hasher.digest();
    if (this.has(hash)) await fsp.unlink(tmp);
    else this.#install(tmp, hash);
    return { hash, size };
  }

  /** Stores the concatenation of existing objects followed by extra bytes (append). */
  async concat(parts: string[], extra?: Uint8Array): Promise<StoredObject> {
    if (parts.length === 1 && !extra) return { hash: parts[0]!, size: fs.statSync(this.pathOf(parts[0]!)).size };
    const self = this;
    async function* chunks() {
      for (const p of parts) yield* fs.createReadStream(self.pathOf(p));
      if (extra) yield extra;
    }
    return this.putStream(chunks());
  }

  read(hash: string): Promise<Buffer> {
    return fsp.readFile(this.pathOf(hash));
  }

  stream(hash: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(hash));
  }

  async #hashStream(stream: AsyncIterable<Uint8Array>): Promise<string> {
    const h = this.#rt.sha256Hasher();
    for await (const chunk of stream) h.update(chunk);
    return h.digest();
  }

  #tmpName(): string {
    return path.join(this.tmpDir, `obj-${process.pid}-${Date.now().toString(36)}-${this.#seq++}`);
  }

  #install(tmp: string, hash: string): void {
    const dir = path.join(this.root, hash.slice(0, 2));
    if (!this.#knownDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.#knownDirs.add(dir);
    }
    fs.renameSync(tmp, this.pathOf(hash));
    this.#dirtyDirs.add(dir);
  }

  /** fsyncs the directories that received objects, making the renames durable. Call before committing metadata. */
  async flush(): Promise<void> {
    const dirs = [...this.#dirtyDirs];
    this.#dirtyDirs.clear();
    await Promise.all(dirs.map(async (d) => {
      const fh = await fsp.open(d, "r");
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }));
  }
}

async function writeSynced(file: string, data: Uint8Array): Promise<void> {
  const fh = await fsp.open(file, "w", 0o444);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
