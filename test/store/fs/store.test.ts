import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { FsObjectStore } from "../../../src/store/fs/store.ts";
import { rt } from "../../helpers/app.ts";
import { listFiles, removeDir, tempDir } from "../../helpers/tmp.ts";

const sha256sum = (file: string) => execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0];
const mode = (file: string) => fs.statSync(file).mode & 0o777;
const bytes = (s: string) => new TextEncoder().encode(s);
/** Deterministic, non-repeating-looking bytes (so a hash mix-up cannot go unnoticed). */
function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
const MiB = 1 << 20;

let dir: string;
let store: FsObjectStore;
beforeEach(async () => {
  dir = tempDir();
  store = new FsObjectStore(path.join(dir, "data"), await rt(), { now: () => new Date() });
});
afterEach(() => removeDir(dir));

const objectFiles = () => listFiles(store.root);
const tmpFiles = () => listFiles(store.tmpDir);

describe("FsObjectStore.flush()", () => {
  test("an object is visible under its hash only after flush(); before, localPath() is its temp file", async () => {
    const o = await store.putBytes(bytes("pending"));
    expect(await store.has(o.hash)).toBe(true);
    expect(store.localPath(o.hash).startsWith(store.tmpDir)).toBe(true);
    expect(fs.existsSync(store.finalPath(o.hash))).toBe(false);
    expect(fs.readFileSync(store.localPath(o.hash), "utf8")).toBe("pending");
    await store.flush();
    expect(store.localPath(o.hash)).toBe(store.finalPath(o.hash));
    expect(fs.readFileSync(store.finalPath(o.hash), "utf8")).toBe("pending");
    expect(tmpFiles()).toEqual([]);
  });
});

describe("FsObjectStore.flush() of a large batch (one syncfs)", () => {
  test("flush() of 200 pending objects installs every one under its hash and leaves no temp file", async () => {
    const hashes = [];
    for (let i = 0; i < 200; i++) hashes.push((await store.putBytes(bytes(`object ${i}`))).hash);
    await store.flush();
    for (const [i, h] of hashes.entries()) expect(fs.readFileSync(store.finalPath(h), "utf8")).toBe(`object ${i}`);
    expect(objectFiles()).toHaveLength(200);
    expect(tmpFiles()).toEqual([]);
  });
});

describe("FsObjectStore.putBytes()", () => {
  test.each([
    ["empty content", ""],
    ["one line", "hello\n"],
    ["non-ASCII text", "grüße 😀\n"],
  ])("putBytes() stores %s under its sha256sum", async (_what, text) => {
    const o = await store.putBytes(bytes(text));
    await store.flush();
    expect(o.size).toBe(bytes(text).byteLength);
    expect(o.hash).toBe(sha256sum(store.localPath(o.hash)));
    expect(fs.readFileSync(store.localPath(o.hash), "utf8")).toBe(text);
  });

  test("putBytes() lays objects out as objects/<first two hex>/<rest>", async () => {
    const o = await store.putBytes(bytes("x"));
    await store.flush();
    expect(store.localPath(o.hash)).toBe(path.join(dir, "data", "objects", o.hash.slice(0, 2), o.hash.slice(2)));
    expect(await store.has(o.hash)).toBe(true);
    expect(await store.has("0".repeat(64))).toBe(false);
  });

  test("putBytes() makes objects read-only (0444)", async () => {
    const o = await store.putBytes(bytes("read only"));
    await store.flush();
    expect(mode(store.localPath(o.hash))).toBe(0o444);
  });

  test("putBytes() leaves no temp file behind", async () => {
    await store.putBytes(bytes("a"));
    await store.flush();
    await store.putBytes(bytes("b"));
    await store.flush();
    expect(tmpFiles()).toEqual([]);
  });

  test("putBytes() deduplicates identical content: same hash, one file", async () => {
    const a = await store.putBytes(bytes("same"));
    await store.flush();
    const b = await store.putBytes(bytes("same"));
    await store.flush();
    const c = await store.putBytes(bytes("other"));
    await store.flush();
    expect(b).toEqual(a);
    expect(c.hash).not.toBe(a.hash);
    expect(objectFiles()).toHaveLength(2);
    expect(tmpFiles()).toEqual([]);
  });

  test("putBytes() of the same content concurrently yields one intact object", async () => {
    const data = pattern(256 * 1024);
    const results = await Promise.all(Array.from({ length: 8 }, () => store.putBytes(data)));
    await store.flush();
    expect(new Set(results.map((r) => r.hash)).size).toBe(1);
    expect(objectFiles()).toHaveLength(1);
    expect(Buffer.compare(fs.readFileSync(store.localPath(results[0]!.hash)), Buffer.from(data))).toBe(0);
    expect(tmpFiles()).toEqual([]);
  });
});

describe("FsObjectStore.putFile()", () => {
  test.each([
    ["a small file (read in one go)", 1000],
    ["a file above the 8 MiB one-read limit (streamed)", 9 * MiB + 17],
  ])("putFile() copies %s: hash equals sha256sum, source kept", async (_what, size) => {
    const src = path.join(dir, "src.bin");
    fs.writeFileSync(src, pattern(size));
    const o = await store.putFile(src);
    await store.flush();
    expect(o).toEqual({ hash: sha256sum(src), size });
    expect(fs.existsSync(src)).toBe(true);
    expect(sha256sum(store.localPath(o.hash))).toBe(o.hash);
    expect(mode(store.localPath(o.hash))).toBe(0o444);
    expect(tmpFiles()).toEqual([]);
  });
});

describe("FsObjectStore.putStream()", () => {
  test("putStream() stores 12 MiB of chunks: hash equals sha256sum of the bytes", async () => {
    const data = pattern(12 * MiB + 5);
    async function* chunks() {
      for (let i = 0; i < data.length; i += MiB) yield data.subarray(i, i + MiB);
    }
    const o = await store.putStream(chunks());
    await store.flush();
    const ref = path.join(dir, "ref.bin");
    fs.writeFileSync(ref, data);
    expect(o).toEqual({ hash: sha256sum(ref), size: data.length });
    expect(mode(store.localPath(o.hash))).toBe(0o444);
    expect(tmpFiles()).toEqual([]);
  });

  test("putStream() accepts string chunks as UTF-8", async () => {
    async function* chunks() {
      yield "grüße ";
      yield bytes("und ");
      yield "😀";
    }
    const o = await store.putStream(chunks());
    await store.flush();
    expect((await store.read(o.hash)).toString("utf8")).toBe("grüße und 😀");
    expect(o.size).toBe(bytes("grüße und 😀").byteLength);
  });

  test("putStream() of content already stored keeps one file and no temp file", async () => {
    const a = await store.putBytes(bytes("dup"));
    await store.flush();
    async function* chunks() {
      yield "d";
      yield "up";
    }
    expect(await store.putStream(chunks())).toEqual(a);
    expect(objectFiles()).toHaveLength(1);
    expect(tmpFiles()).toEqual([]);
  });

  test("putStream() rethrows a failing stream's error and leaves neither object nor temp file", async () => {
    async function* chunks() {
      yield pattern(1000);
      throw new Error("source broke");
    }
    await expect(store.putStream(chunks())).rejects.toThrow("source broke");
    expect(objectFiles()).toEqual([]);
    expect(tmpFiles()).toEqual([]);
  });
});

describe("FsObjectStore.writer()", () => {
  test("writer() stores pieces written from one reused buffer: hash equals sha256sum of the bytes", async () => {
    const data = pattern(3 * MiB + 100, 5);
    const buf = new Uint8Array(64 * 1024);
    const w = store.writer();
    for (let i = 0; i < data.length; i += buf.length) {
      const piece = data.subarray(i, i + buf.length);
      buf.set(piece);
      w.write(buf.subarray(0, piece.length));
      buf.fill(0xee); // the writer must have used the bytes already
    }
    const o = w.close();
    await store.flush();
    const ref = path.join(dir, "ref.bin");
    fs.writeFileSync(ref, data);
    expect(o).toEqual({ hash: sha256sum(ref), size: data.length });
    expect(sha256sum(store.finalPath(o.hash))).toBe(o.hash);
    expect(mode(store.finalPath(o.hash))).toBe(0o444);
    expect(tmpFiles()).toEqual([]);
  });

  test("writer() objects of 1 MiB and 10 bytes are pending until flush(), then installed intact", async () => {
    const big = pattern(MiB, 8);
    const objs = [big, bytes("ten bytes!"), pattern(MiB, 9)].map((data) => {
      const w = store.writer();
      w.write(data);
      return { data, o: w.close() };
    });
    for (const { o } of objs) expect(fs.existsSync(store.finalPath(o.hash))).toBe(false);
    await store.flush(); // right away: the early fsyncs of the big ones may still be running
    for (const { data, o } of objs) {
      expect(Buffer.compare(fs.readFileSync(store.finalPath(o.hash)), Buffer.from(data))).toBe(0);
      expect(store.localPath(o.hash)).toBe(store.finalPath(o.hash));
    }
    expect(objectFiles()).toHaveLength(3);
    expect(tmpFiles()).toEqual([]);
  });

  test("writer() of content already stored or pending keeps one file and no temp file", async () => {
    const data = pattern(MiB, 2);
    const write = () => {
      const w = store.writer();
      w.write(data);
      return w.close();
    };
    const a = write();
    const b = write(); // while a is pending
    await store.flush();
    const c = write(); // a is installed
    await store.flush();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(objectFiles()).toHaveLength(1);
    expect(tmpFiles()).toEqual([]);
  });

  test("writer().abort() drops the bytes: neither object nor temp file; a closed writer refuses more bytes", async () => {
    const w = store.writer();
    w.write(pattern(1000));
    w.abort();
    w.abort();
    await store.flush();
    expect(objectFiles()).toEqual([]);
    expect(tmpFiles()).toEqual([]);
    const v = store.writer();
    v.write(bytes("kept"));
    v.close();
    v.abort(); // a no-op once closed
    expect(() => v.write(bytes("more"))).toThrow(/already closed/);
    expect(() => v.close()).toThrow(/already closed/);
    await store.flush();
    expect(objectFiles()).toHaveLength(1);
  });
});

describe("FsObjectStore.writers()", () => {
  test("writers() gives one writer after another, each object intact; close() leaves no temp file behind", async () => {
    const src = store.writers();
    const objs = [pattern(MiB, 11), bytes("small"), pattern(3000, 12)].map((data) => {
      const w = src.next();
      w.write(data);
      return { data, o: w.close() };
    });
    await src.close(); // the temp file opened ahead for a fourth writer goes
    expect(() => src.next()).toThrow(/closed/);
    await store.flush();
    for (const { data, o } of objs) expect(Buffer.compare(fs.readFileSync(store.finalPath(o.hash)), Buffer.from(data))).toBe(0);
    expect(objectFiles()).toHaveLength(3);
    expect(tmpFiles()).toEqual([]);
  });

  test("writers() opens the next temp file ahead; close() removes it once it is open", async () => {
    const src = store.writers();
    src.next().abort();
    for (let i = 0; i < 200 && tmpFiles().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(tmpFiles()).toHaveLength(1); // opened ahead, unused
    await src.close();
    expect(tmpFiles()).toEqual([]);
  });

  test("writers() close() right after the first writer, while the next file is still being opened, leaves no temp file", async () => {
    for (let i = 0; i < 5; i++) {
      const src = store.writers();
      src.next().abort();
      await src.close();
      expect(tmpFiles()).toEqual([]);
    }
  });
});

describe("FsObjectStore.putFile(, { move: true })", () => {
  test.each([
    ["a small file", 4096],
    ["a file above the 8 MiB one-read limit", 9 * MiB + 1],
  ])("putFile(move) moves %s into the store: source gone, hash equals sha256sum", async (_what, size) => {
    const src = path.join(dir, "out.bin");
    fs.writeFileSync(src, pattern(size, 7));
    const want = sha256sum(src);
    const o = await store.putFile(src, { move: true });
    await store.flush();
    expect(o).toEqual({ hash: want, size });
    expect(fs.existsSync(src)).toBe(false);
    expect(sha256sum(store.localPath(o.hash))).toBe(want);
    expect(mode(store.localPath(o.hash))).toBe(0o444);
  });

  test("putFile(move) of content already stored removes the source and keeps one object", async () => {
    const a = await store.putBytes(bytes("twice"));
    await store.flush();
    const src = path.join(dir, "twice.txt");
    fs.writeFileSync(src, "twice");
    expect(await store.putFile(src, { move: true })).toEqual(a);
    expect(fs.existsSync(src)).toBe(false);
    expect(objectFiles()).toHaveLength(1);
  });

  test("putFile(move) rejects a missing source with ENOENT and stores nothing", async () => {
    await expect(store.putFile(path.join(dir, "missing"), { move: true })).rejects.toMatchObject({ code: "ENOENT" });
    expect(objectFiles()).toEqual([]);
  });
});

describe("FsObjectStore.concat()", () => {
  test("concat() stores the parts in order followed by the extra bytes", async () => {
    const a = await store.putBytes(bytes("one\n"));
    await store.flush();
    const b = await store.putBytes(bytes("two\n"));
    await store.flush();
    const c = await store.concat([b.hash, a.hash], bytes("three\n"));
    await store.flush();
    expect((await store.read(c.hash)).toString()).toBe("two\none\nthree\n");
    expect(c.size).toBe(14);
    expect(c.hash).toBe(sha256sum(store.localPath(c.hash)));
    expect(tmpFiles()).toEqual([]);
  });

  test("concat() of one part without extra returns that object unchanged", async () => {
    const a = await store.putBytes(bytes("alone"));
    await store.flush();
    expect(await store.concat([a.hash])).toEqual(a);
    expect(objectFiles()).toHaveLength(1);
  });

  test("concat() of large parts streams them (hash equals sha256sum of the joined bytes)", async () => {
    const p1 = pattern(9 * MiB, 3);
    const p2 = pattern(3 * MiB, 4);
    const a = await store.putBytes(p1);
    await store.flush();
    const b = await store.putBytes(p2);
    await store.flush();
    const c = await store.concat([a.hash, b.hash]);
    await store.flush();
    const ref = path.join(dir, "joined.bin");
    fs.writeFileSync(ref, Buffer.concat([p1, p2]));
    expect(c).toEqual({ hash: sha256sum(ref), size: 12 * MiB });
  });

  test("concat() of the same part twice repeats it", async () => {
    const a = await store.putBytes(bytes("ab"));
    await store.flush();
    const c = await store.concat([a.hash, a.hash]);
    await store.flush();
    expect((await store.read(c.hash)).toString()).toBe("abab");
  });
});

describe("FsObjectStore.stream() and flush()", () => {
  test("stream() yields the stored bytes", async () => {
    const a = await store.putBytes(bytes("streamed"));
    await store.flush();
    const chunks: Buffer[] = [];
    for await (const c of store.stream(a.hash)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("streamed");
  });

  test("flush() resolves after writes and again with nothing to do", async () => {
    await store.putBytes(bytes("durable"));
    await store.flush();
    await store.flush();
    await store.flush();
    expect(objectFiles()).toHaveLength(1);
  });
});

describe("FsObjectStore.flush() after a failure", () => {
  test("a failed flush() fails its caller only: once the cause is gone, the next flush() succeeds", async () => {
    const x = await store.putBytes(bytes("x"));
    const tmp = store.localPath(x.hash);
    fs.renameSync(tmp, `${tmp}.away`); // the temp file cannot be read: this flush fails
    await expect(store.flush()).rejects.toThrow(/ENOENT/);
    fs.renameSync(`${tmp}.away`, tmp); // the cause is gone (think: disk space freed)
    const y = await store.putBytes(bytes("y"));
    await store.flush();
    expect(fs.readFileSync(store.finalPath(x.hash), "utf8")).toBe("x");
    expect(fs.readFileSync(store.finalPath(y.hash), "utf8")).toBe("y");
  });

  test("concat() of pending parts survives a concurrent flush() renaming them", async () => {
    for (let i = 0; i < 20; i++) {
      const a = await store.putBytes(bytes(`a${i}-`.repeat(1000)));
      const b = await store.putBytes(bytes(`b${i}-`.repeat(1000)));
      const [c] = await Promise.all([store.concat([a.hash, b.hash]), store.flush()]);
      await store.flush();
      expect(fs.readFileSync(store.localPath(c.hash), "utf8")).toBe(`a${i}-`.repeat(1000) + `b${i}-`.repeat(1000));
    }
  });
});
