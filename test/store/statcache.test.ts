import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { openDb } from "../../src/db/client.ts";
import { StatCache } from "../../src/store/statcache.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dir = tempDir();
afterAll(() => removeDir(dir));
const OLD = new Date("2020-01-01T00:00:00Z");
const later = BigInt(Date.now()) * 1_000_000n;

async function fresh() {
  const db = await openDb(`file:${path.join(dir, `${Math.random()}.db`)}`);
  return { db, cache: new StatCache(db) };
}

function file(name: string, text: string, mtime = OLD): string {
  const f = path.join(dir, "src", name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  fs.utimesSync(f, mtime, mtime);
  return f;
}

describe("StatCache", () => {
  test("StatCache.lookup() returns the recorded hash after a save and reload", async () => {
    const { db, cache } = await fresh();
    await cache.load(path.join(dir, "src"));
    const f = file("a", "aaa");
    const st = fs.statSync(f, { bigint: true });
    // ctime is "now" on a fresh file: record with a clock far enough ahead.
    cache.record(f, st, "h-a", st.ctimeNs + 3_000_000_000n);
    await cache.save();
    const again = new StatCache(db);
    await again.load(path.join(dir, "src"));
    expect(again.lookup(f, st)).toBe("h-a");
    db.close();
  });

  test("StatCache.lookup() misses when size, mtime or inode change", async () => {
    const { cache } = await fresh();
    const f = file("b", "bbb");
    const st = fs.statSync(f, { bigint: true });
    cache.record(f, st, "h-b", st.ctimeNs + 3_000_000_000n);
    fs.writeFileSync(f, "bbbb");
    fs.utimesSync(f, OLD, OLD);
    expect(cache.lookup(f, fs.statSync(f, { bigint: true }))).toBeNull();
    fs.rmSync(f);
    file("b", "bbb");
    expect(cache.lookup(f, fs.statSync(f, { bigint: true }))).toBeNull();
  });

  test("StatCache.record() does not remember a file modified moments ago (racy clean)", async () => {
    const { cache } = await fresh();
    const f = file("c", "ccc", new Date());
    const st = fs.statSync(f, { bigint: true });
    cache.record(f, st, "h-c", later);
    expect(cache.lookup(f, st)).toBeNull();
  });

  test("StatCache keeps one set of entries per source folder", async () => {
    const { db, cache } = await fresh();
    const inside = file("d", "ddd");
    await cache.load(path.join(dir, "src"));
    const st = fs.statSync(inside, { bigint: true });
    cache.record(inside, st, "h-d", st.ctimeNs + 3_000_000_000n);
    await cache.save();
    const other = new StatCache(db);
    await other.load(path.join(dir, "elsewhere"));
    expect(other.lookup(inside, st)).toBeNull();
    const same = new StatCache(db);
    await same.load(path.join(dir, "src"));
    expect(same.lookup(inside, st)).toBe("h-d");
    db.close();
  });
});
