import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { openDb, type Db } from "../../src/db/client.ts";
import { StatCache } from "../../src/store/statcache.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dir = tempDir();
afterAll(() => removeDir(dir));
const OLD = new Date("2020-01-01T00:00:00Z");

let n = 0;
async function fresh() {
  const root = path.join(dir, `src${n++}`);
  fs.mkdirSync(root);
  const db = await openDb(`file:${path.join(dir, `${n}.db`)}`);
  return { db, root, cache: await opened(db, root) };
}
async function opened(db: Db, root: string, target?: string) {
  const c = new StatCache(db);
  await c.load(root, target);
  return c;
}
function write(root: string, rel: string, text: string, mtime = OLD) {
  const f = path.join(root, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  fs.utimesSync(f, mtime, mtime);
}
const files = (root: string, rels: string[]) => rels.map((rel) => ({ rel, st: fs.statSync(path.join(root, rel)) }));
/** Records every file with a clock past the racy window of its (fresh) ctime. */
async function recordAll(c: StatCache, root: string, rels: string[], hash = (rel: string) => `h-${rel}`) {
  const fs_ = files(root, rels);
  await c.lookupAll(fs_, false);
  for (const f of fs_) c.record(f.rel, f.st, hash(f.rel), f.st.ctimeMs + 3000);
}
const rows = (db: Db) => db.all<{ bucket: number; digest: string; body: string }>("SELECT bucket, digest, body FROM stat_cache ORDER BY bucket");
const names = (k: number) => Array.from({ length: k }, (_, i) => `d/f${i}`);

describe("StatCache", () => {
  test("lookupAll() returns the recorded hashes after a save and reload, null for files never recorded", async () => {
    const { db, root, cache } = await fresh();
    write(root, "a", "aaa");
    write(root, "sub/b", "bbb");
    await recordAll(cache, root, ["a", "sub/b"]);
    await cache.save();
    write(root, "c", "ccc");
    expect(await (await opened(db, root)).lookupAll(files(root, ["a", "sub/b", "c"]), false)).toEqual(["h-a", "h-sub/b", null]);
    db.close();
  });

  test("lookupAll() misses when size, mtime or inode change", async () => {
    const { db, root, cache } = await fresh();
    for (const f of ["size", "mtime", "inode"]) write(root, f, "xxx");
    await recordAll(cache, root, ["size", "mtime", "inode"]);
    await cache.save();
    write(root, "size", "xxxx");
    fs.utimesSync(path.join(root, "mtime"), OLD, new Date("2021-01-01T00:00:00Z"));
    fs.rmSync(path.join(root, "inode"));
    fs.writeFileSync(path.join(root, "keep-the-inode-busy"), "");
    write(root, "inode", "xxx");
    expect(await (await opened(db, root)).lookupAll(files(root, ["size", "mtime", "inode"]), false)).toEqual([null, null, null]);
    db.close();
  });

  test("record() keeps a file modified moments ago (racy clean) without its hash: lookupAll() misses it, in place or not", async () => {
    const { db, root, cache } = await fresh();
    write(root, "c", "ccc");
    await recordAll(cache, root, ["c"]);
    await cache.save();
    write(root, "c", "cc2", new Date());
    const again = await opened(db, root);
    const [f] = files(root, ["c"]);
    expect(await again.lookupAll([f!], false)).toEqual([null]);
    again.record("c", f!.st, "h-new", Date.now());
    await again.save();
    // Its stat is the same as recorded, but a same-size edit in the same instant would not show in it.
    expect(await (await opened(db, root)).lookupAll([f!], false)).toEqual([null]);
    expect(await (await opened(db, root)).lookupAll([f!], true)).toEqual([null]);
    expect((await rows(db)).map((r) => JSON.parse(r.body).c[5])).toEqual([""]);
    db.close();
  });

  test("gone() lists the files the last put had and this folder lacks: in read buckets, emptied buckets, racy ones too", async () => {
    const { db, root, cache } = await fresh();
    const rels = names(40);
    for (const r of rels) write(root, r, r);
    write(root, "racy", "r", new Date());
    await recordAll(cache, root, [...rels, "racy"]);
    cache.record("racy", fs.statSync(path.join(root, "racy")), "h-racy", Date.now());
    await cache.save();
    const again = await opened(db, root);
    const keep = rels.filter((r) => r !== "d/f5" && r !== "d/f9");
    expect(await again.lookupAll(files(root, keep), true)).toEqual(keep.map(() => true as const));
    expect(again.gone().sort()).toEqual(["d/f5", "d/f9", "racy"]);
    expect(await again.lookupAll(files(root, []), true)).toEqual([]);
    expect(again.gone().length).toBe(38);
    db.close();
  });

  test("StatCache keeps one set of entries per source folder", async () => {
    const { db, root, cache } = await fresh();
    write(root, "d", "ddd");
    await recordAll(cache, root, ["d"]);
    await cache.save();
    expect(await (await opened(db, path.join(dir, "elsewhere"))).lookupAll(files(root, ["d"]), false)).toEqual([null]);
    expect(await (await opened(db, root)).lookupAll(files(root, ["d"]), false)).toEqual(["h-d"]);
    db.close();
  });

  test("lookupAll() in place: unchanged files are true, and buckets whose files are all unchanged are not read", async () => {
    const { db, root, cache } = await fresh();
    const rels = names(40);
    for (const r of rels) write(root, r, r);
    await recordAll(cache, root, rels);
    await cache.save();
    write(root, "d/f7", "changed");
    // Every bucket but d/f7's now holds a body that would fail to parse: none of them may be read.
    const changed = (await rows(db)).find((r) => r.body.includes('"d/f7"'))!.bucket;
    await db.write((tx) => tx.run("UPDATE stat_cache SET body = 'not json' WHERE bucket != ?", [changed]));
    const got = await (await opened(db, root)).lookupAll(files(root, rels), true);
    expect(got).toEqual(rels.map((r) => (r === "d/f7" ? null : true)));
    db.close();
  });

  test("save() rewrites only the buckets whose entries changed", async () => {
    const { db, root, cache } = await fresh();
    const rels = names(40);
    for (const r of rels) write(root, r, r);
    await recordAll(cache, root, rels);
    await cache.save();
    const before = await rows(db);
    write(root, "d/f3", "changed");
    const again = await opened(db, root);
    const fs_ = files(root, rels);
    const got = await again.lookupAll(fs_, true);
    const i = rels.indexOf("d/f3");
    expect(got.filter((g) => g !== true)).toEqual([null]);
    again.record("d/f3", fs_[i]!.st, "h-changed", fs_[i]!.st.ctimeMs + 3000);
    await again.save();
    const after = await rows(db);
    const differing = after.filter((r, k) => r.body !== before[k]!.body || r.digest !== before[k]!.digest);
    expect(differing.map((r) => r.bucket)).toEqual([before.find((r) => r.body.includes('"d/f3"'))!.bucket]);
    expect(await (await opened(db, root)).lookupAll(files(root, ["d/f3"]), false)).toEqual(["h-changed"]);
    db.close();
  });

  test("lookupAll() forgets files gone from the folder; a file new to a clean bucket is not taken as unchanged", async () => {
    const { db, root, cache } = await fresh();
    const rels = names(40);
    for (const r of rels) write(root, r, r);
    await recordAll(cache, root, rels);
    await cache.save();
    const again = await opened(db, root);
    expect(await again.lookupAll(files(root, rels.slice(1)), true)).toEqual(rels.slice(1).map(() => true as const));
    await again.save();
    expect((await rows(db)).some((r) => r.body.includes('"d/f0"'))).toBe(false);
    expect(await (await opened(db, root)).lookupAll(files(root, rels), false)).toEqual(rels.map((r) => (r === "d/f0" ? null : `h-${r}`)));
    write(root, "d/new", "n");
    expect(await (await opened(db, root)).lookupAll(files(root, [...rels.slice(1), "d/new"]), true)).toEqual([...rels.slice(1).map(() => true as const), null]);
    db.close();
  });

  test("targetTree is what the last save() left for the same target only; a save without one forgets it", async () => {
    const { db, root, cache } = await fresh();
    write(root, "a", "a");
    const first = await opened(db, root, "data@master:/");
    await recordAll(first, root, ["a"]);
    await first.save("tree-1");
    expect((await opened(db, root, "data@master:/")).targetTree).toBe("tree-1");
    expect((await opened(db, root, "data@master:/other")).targetTree).toBeNull();
    expect((await opened(db, root)).targetTree).toBeNull();
    const append = await opened(db, root);
    await append.lookupAll(files(root, ["a"]), false);
    await append.save(null);
    expect((await opened(db, root, "data@master:/")).targetTree).toBeNull();
    expect(cache.targetTree).toBeNull();
    db.close();
  });
});
