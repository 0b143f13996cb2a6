// The ObjectStore contract: cases every driver in src/store/ must pass
// (fs.test.ts and memory.test.ts run them; an S3 driver will too). Each case
// gets a fresh, empty store and a folder for local files it may use.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ObjectStore } from "../../src/store/types.ts";

export interface DriverHost {
  /** A fresh empty store and a scratch folder; `close` removes both. */
  open(): Promise<{ store: ObjectStore; dir: string; close(): Promise<void> | void }>;
  /** How finely the driver's list() tells mtimes apart (S3's LastModified: whole seconds); default 1 ms. */
  mtimeResolutionMs?: number;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return dec(Buffer.concat(parts));
}

async function listed(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list()) out.push(o.hash);
  return out;
}

export function storeContract(name: string, host: DriverHost): void {
  /** Long enough for a reuse to show as a later mtime. */
  const tick = () => new Promise((r) => setTimeout(r, (host.mtimeResolutionMs ?? 1) + 15));
  const withStore = (fn: (s: ObjectStore, dir: string) => Promise<void>) => async () => {
    const h = await host.open();
    try {
      await fn(h.store, h.dir);
    } finally {
      await h.close();
    }
  };

  describe(`ObjectStore contract: ${name}`, () => {
    test("putBytes() names an object by the SHA-256 of its bytes; read() and stream() give them back, before and after flush()", withStore(async (s) => {
      const o = await s.putBytes(enc("hello\n"));
      expect(o).toEqual({ hash: sha("hello\n"), size: 6 });
      expect(dec(await s.read(o.hash))).toBe("hello\n");
      await s.flush();
      expect(dec(await s.read(o.hash))).toBe("hello\n");
      expect(await collect(s.stream(o.hash))).toBe("hello\n");
    }));

    test("has() is true for a pending and a flushed object, false for an unknown hash", withStore(async (s) => {
      const o = await s.putBytes(enc("x"));
      expect(await s.has(o.hash)).toBe(true);
      await s.flush();
      expect(await s.has(o.hash)).toBe(true);
      expect(await s.has(sha("never stored"))).toBe(false);
    }));

    test("list() shows flushed objects only, each once, with its size", withStore(async (s) => {
      const a = await s.putBytes(enc("aa"));
      expect(await listed(s)).toEqual([]);
      await s.flush();
      await s.putBytes(enc("aa"));
      const b = await s.putBytes(enc("b"));
      await s.flush();
      expect((await listed(s)).sort()).toEqual([a.hash, b.hash].sort());
      const sizes: Record<string, number> = {};
      for await (const o of s.list()) sizes[o.hash] = o.size;
      expect(sizes).toEqual({ [a.hash]: 2, [b.hash]: 1 });
    }));

    test("delete() removes a stored object; deleting a missing one is not an error", withStore(async (s) => {
      const o = await s.putBytes(enc("gone soon"));
      await s.flush();
      await s.delete(o.hash);
      expect(await s.has(o.hash)).toBe(false);
      expect(await listed(s)).toEqual([]);
      await s.delete(o.hash);
    }));

    test("has() and storing bytes already stored count as a reuse: the object's mtime moves to now (gc's grace period)", withStore(async (s) => {
      const o = await s.putBytes(enc("reused"));
      await s.flush();
      const mtime = async () => {
        for await (const x of s.list()) if (x.hash === o.hash) return x.mtimeMs;
        throw new Error("not listed");
      };
      const first = await mtime();
      await tick();
      expect(await s.has(o.hash)).toBe(true);
      const second = await mtime();
      expect(second).toBeGreaterThan(first);
      await tick();
      await s.putBytes(enc("reused"));
      await s.flush(); // a reuse is in effect by the flush that precedes any metadata naming it
      expect(await mtime()).toBeGreaterThan(second);
    }));

    test("delete() with unchangedSince removes an object not reused since it was listed, and keeps one reused after", withStore(async (s) => {
      const idle = await s.putBytes(enc("idle"));
      const busy = await s.putBytes(enc("busy"));
      await s.flush();
      const seen = new Map<string, number>();
      for await (const x of s.list()) seen.set(x.hash, x.mtimeMs);
      await tick();
      expect(await s.has(busy.hash)).toBe(true); // a writer reuses it between gc's listing and its delete
      expect(await s.delete(idle.hash, { unchangedSince: seen.get(idle.hash)! })).toBe(true);
      expect(await s.delete(busy.hash, { unchangedSince: seen.get(busy.hash)! })).toBe(false);
      expect(await listed(s)).toEqual([busy.hash]);
      expect(dec(await s.read(busy.hash))).toBe("busy");
      // Once removed, the object is gone for writers too: storing the bytes again stores them anew.
      expect(await s.has(idle.hash)).toBe(false);
      await s.putBytes(enc("idle"));
      await s.flush();
      expect(dec(await s.read(idle.hash))).toBe("idle");
      expect(await s.delete(sha("never stored"), { unchangedSince: 0 })).toBe(false);
    }));

    test("read() of an unknown hash rejects", withStore(async (s) => {
      await expect(s.read(sha("nothing"))).rejects.toThrow();
    }));

    test("putFile() copies a local file and leaves it; with move it takes the file, which is gone", withStore(async (s, dir) => {
      const f = path.join(dir, "f.txt");
      fs.writeFileSync(f, "from disk");
      expect(await s.putFile(f)).toEqual({ hash: sha("from disk"), size: 9 });
      expect(fs.readFileSync(f, "utf8")).toBe("from disk");
      const g = path.join(dir, "g.txt");
      fs.writeFileSync(g, "moved");
      expect(await s.putFile(g, { move: true })).toEqual({ hash: sha("moved"), size: 5 });
      expect(fs.existsSync(g)).toBe(false);
      await s.flush();
      expect(dec(await s.read(sha("moved")))).toBe("moved");
    }));

    test("putStream() stores the concatenation of its chunks (bytes and strings)", withStore(async (s) => {
      async function* chunks() {
        yield enc("a");
        yield "bc";
        yield enc("d".repeat(100_000));
      }
      const o = await s.putStream(chunks());
      const want = "abc" + "d".repeat(100_000);
      expect(o).toEqual({ hash: sha(want), size: want.length });
      expect(dec(await s.read(o.hash))).toBe(want);
    }));

    test("writer() hashes pieces written from one reused buffer; abort() stores nothing; a closed writer refuses more", withStore(async (s) => {
      const w = s.writer();
      const buf = new Uint8Array(3);
      for (const piece of ["abc", "def"]) {
        buf.set(enc(piece));
        w.write(buf);
      }
      const o = w.close();
      expect(o).toEqual({ hash: sha("abcdef"), size: 6 });
      expect(() => w.write(enc("more"))).toThrow();
      const dropped = s.writer();
      dropped.write(enc("dropped"));
      dropped.abort();
      await s.flush();
      expect(await listed(s)).toEqual([o.hash]);
      expect(dec(await s.read(o.hash))).toBe("abcdef");
    }));

    test("writers() gives one writer after another, each object intact", withStore(async (s) => {
      const src = s.writers();
      const made = ["one", "two", "three"].map((t) => {
        const w = src.next();
        w.write(enc(t));
        return w.close();
      });
      await src.close();
      await s.flush();
      expect(made.map((m) => m.hash)).toEqual(["one", "two", "three"].map(sha));
      for (const t of ["one", "two", "three"]) expect(dec(await s.read(sha(t)))).toBe(t);
    }));

    test("concat() stores parts in order followed by extra bytes; one part alone is that object", withStore(async (s) => {
      const a = await s.putBytes(enc("A1\n"));
      const b = await s.putBytes(enc("B2\n"));
      const ab = await s.concat([a.hash, b.hash, a.hash], enc("x"));
      expect(ab).toEqual({ hash: sha("A1\nB2\nA1\nx"), size: 10 });
      expect(dec(await s.read(ab.hash))).toBe("A1\nB2\nA1\nx");
      expect(await s.concat([b.hash])).toEqual(b);
    }));

    test("the same content stored twice, pending or flushed, is one object", withStore(async (s) => {
      const a = await s.putBytes(enc("same"));
      const w = s.writer();
      w.write(enc("same"));
      expect(w.close()).toEqual(a);
      await s.flush();
      expect(await s.putBytes(enc("same"))).toEqual(a);
      await s.flush();
      expect(await listed(s)).toEqual([a.hash]);
    }));

    test("localPath() is null or a file holding exactly the object's bytes", withStore(async (s) => {
      const o = await s.putBytes(enc("local"));
      await s.flush();
      const p = s.localPath(o.hash);
      if (p !== null) expect(fs.readFileSync(p, "utf8")).toBe("local");
    }));
  });
}
