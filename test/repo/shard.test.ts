import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { diffTrees } from "../../src/repo/diff.ts";
import { bucketOf, decodeDirNode, DEFAULT_SHAPE, encodeList, nameHash, nodeHash, type TreeShape } from "../../src/repo/shard.ts";
import { applyChanges, listEntries, lookup, walk, type Change, type TreeEntry } from "../../src/repo/tree.ts";
import { EMPTY, fileRef, MemLoader, sha256 } from "../helpers/memtree.ts";

/** Two buckets per level, at most 3 entries per list: a dozen names already make three levels. */
const TINY: TreeShape = { maxEntries: 3, bits: 1 };

const put = (path: string, content: string): Change => ({ path, file: fileRef(content) });
const del = (path: string): Change => ({ path, file: null });

async function apply(loader: MemLoader, changes: Change[], root = EMPTY) {
  return loader.add(await applyChanges(loader, sha256, root, changes));
}
async function listing(loader: MemLoader, root: string): Promise<[string, string][]> {
  return (await walk(loader, root, 0, { recursive: true, includeSelf: false })).map((e) => [e.path, e.type === "file" ? e.hash : "dir"]);
}
const names = (n: number, prefix = "f") => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, "0")}.txt`);
const kinds = (loader: MemLoader, hashes: Iterable<string>) => [...hashes].map((h) => decodeDirNode(loader.bodies.get(h)!).kind);

describe("nameHash() / bucketOf()", () => {
  // Part of the stored layout: a change here changes the hash of every sharded directory.
  test.each([
    // Checked against an independent implementation (Python, UTF-16 code units).
    ["", 0xab3e7c0b],
    ["a", 0x1a80b1b3],
    ["f00001.txt", 0xac78bb03],
    ["ü😀", 0x164168dc],
  ])("nameHash(%p) is pinned", (name, want) => {
    expect(nameHash(name)).toBe(want >>> 0);
  });

  test("bucketOf() takes `bits` bits of the name hash per level", () => {
    const h = nameHash("f00001.txt");
    expect(bucketOf("f00001.txt", 0, 6)).toBe(h & 63);
    expect(bucketOf("f00001.txt", 2, 6)).toBe((h >>> 12) & 63);
  });
});

describe("sharded directories", () => {
  test("a directory over maxEntries is stored as shard nodes; at or under it, as one list", async () => {
    const loader = new MemLoader(TINY);
    const three = await apply(loader, names(3).map((n) => put(`/${n}`, n)));
    expect(kinds(loader, [three.root])).toEqual(["list"]);
    const four = await apply(loader, [put("/x", "x")], three.root);
    expect(kinds(loader, [four.root])).toEqual(["shard"]);
  });

  test("applyChanges() gives the same root for the same entries whatever the order, batching or detours", async () => {
    const loader = new MemLoader(TINY);
    const files = names(40);
    const once = await apply(loader, files.map((n) => put(`/d/${n}`, n)));
    const reversed = await apply(loader, [...files].reverse().map((n) => put(`/d/${n}`, n)));
    let stepwise = EMPTY;
    for (const n of files) stepwise = (await apply(loader, [put(`/d/${n}`, n)], stepwise)).root;
    // Grow past the final size, then shrink back (shards split, then merge into fewer levels).
    const bigger = await apply(loader, [...files, ...names(60, "g")].map((n) => put(`/d/${n}`, n)));
    const shrunk = await apply(loader, names(60, "g").map((n) => del(`/d/${n}`)), bigger.root);
    expect([reversed.root, stepwise, shrunk.root]).toEqual([once.root, once.root, once.root]);
  });

  test("a shard that shrinks to maxEntries entries collapses to the list the same entries make", async () => {
    const loader = new MemLoader(TINY);
    const small = await apply(loader, [put("/d/a", "1"), put("/d/b", "2")]);
    const grown = await apply(loader, names(20).map((n) => put(`/d/${n}`, n)), small.root);
    const back = await apply(loader, names(20).map((n) => del(`/d/${n}`)), grown.root);
    expect(back.root).toBe(small.root);
    const d = (await lookup(loader, back.root, back.size, "/d"))!;
    expect(kinds(loader, [d.hash])).toEqual(["list"]);
  });

  test("walk() lists a sharded directory in byte-wise order; lookup() finds every entry across shards", async () => {
    const loader = new MemLoader(TINY);
    const files = [...names(30), "a-c", "a.txt", "B", "\u{1F600}", "\uFFFD"];
    const r = await apply(loader, [...files.map((n) => put(`/d/${n}`, n)), put("/d/sub/x", "x")]);
    const want = [...files.map((n) => `/d/${n}`), "/d/sub", "/d/sub/x"].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect((await walk(loader, r.root, r.size, { recursive: true, includeSelf: false, base: "/" })).map((e) => e.path)).toEqual(["/d", ...want]);
    for (const n of files) expect((await lookup(loader, r.root, r.size, `/d/${n}`))?.hash).toBe(fileRef(n).hash);
    expect((await lookup(loader, r.root, r.size, "/d/sub/x"))?.type).toBe("file");
    expect(await lookup(loader, r.root, r.size, "/d/nope")).toBeNull();
    expect(await lookup(loader, r.root, r.size, "/d/f00000.txt/x")).toBeNull();
    const d = (await lookup(loader, r.root, r.size, "/d"))!;
    expect(d.size).toBe(files.reduce((n, f) => n + f.length, 0) + 1);
    expect((await listEntries(loader, d.hash)).map((e) => e.name)).toEqual(want.filter((p) => p !== "/d/sub/x").map((p) => p.slice(3)));
  });

  test("applyChanges() on a sharded directory rejects a file over a directory, like a flat one", async () => {
    const loader = new MemLoader(TINY);
    const r = await apply(loader, [...names(10).map((n) => put(`/${n}`, n)), put("/sub/x", "x")]);
    await expect(apply(loader, [put("/sub", "file")], r.root)).rejects.toThrow(`cannot put file "/sub": a directory exists there`);
  });

  test("a one-file change in a 10k-entry folder (default shape) writes two small nodes", async () => {
    const loader = new MemLoader();
    const files = names(10_000);
    const base = await apply(loader, files.map((n) => put(`/${n}`, n)));
    expect(kinds(loader, [base.root])).toEqual(["shard"]);
    const one = await apply(loader, [put("/f04242.txt", "changed")], base.root);
    expect(one.nodes.size).toBe(2); // the shard node and the bucket holding the name
    for (const body of one.nodes.values()) expect(body.length).toBeLessThan(30_000);
    expect((await lookup(loader, one.root, one.size, "/f04242.txt"))?.hash).toBe(fileRef("changed").hash);
    expect(one.size).toBe(base.size - "f04242.txt".length + "changed".length);
  });

  test("diffTrees() across shards reports exactly the changed names and skips equal buckets", async () => {
    const loader = new MemLoader();
    const files = names(10_000);
    const a = await apply(loader, files.map((n) => put(`/${n}`, n)));
    const b = await apply(loader, [put("/f00007.txt", "new"), del("/f09000.txt"), put("/zz", "zz")], a.root);
    loader.loads = 0;
    expect(await diffTrees(loader, a.root, b.root)).toEqual([
      { path: "/f00007.txt", change: "modified", size: 3 },
      { path: "/f09000.txt", change: "deleted", size: 10 },
      { path: "/zz", change: "added", size: 2 },
    ]);
    expect(loader.loads).toBeLessThanOrEqual(2 + 2 * 3); // two tops, then both sides of at most three buckets
  });

  test("a legacy flat node over maxEntries still reads, and its first change rewrites it canonically", async () => {
    const loader = new MemLoader();
    const files = names(3000);
    const entries: TreeEntry[] = files.map((n) => ({ name: n, type: "file", ...fileRef(n) }));
    const body = encodeList(entries);
    const legacy = nodeHash(body, sha256);
    loader.bodies.set(legacy, body);
    expect((await lookup(loader, legacy, 0, "/f02999.txt"))?.hash).toBe(fileRef("f02999.txt").hash);
    expect((await walk(loader, legacy, 0, { recursive: true, includeSelf: false })).length).toBe(3000);
    const changed = await apply(loader, [put("/f00001.txt", "x")], legacy);
    const fresh = await apply(loader, files.map((n) => put(`/${n}`, n === "f00001.txt" ? "x" : n)));
    expect(changed.root).toBe(fresh.root);
    expect(kinds(loader, [changed.root])).toEqual(["shard"]);
    expect(await diffTrees(loader, legacy, changed.root)).toEqual([{ path: "/f00001.txt", change: "modified", size: 1 }]);
  });

  test("DEFAULT_SHAPE keeps a 10k folder to one shard level of 64 buckets", () => {
    expect(DEFAULT_SHAPE).toEqual({ maxEntries: 2048, bits: 6 });
  });
});

describe("sharded directories (property)", () => {
  type Op = { kind: "put"; path: string; content: string } | { kind: "del"; path: string };
  const name = fc.constantFrom(...names(12), "a", "b-c", "b.c");
  const path = fc.oneof(name.map((n) => `/${n}`), fc.tuple(fc.constantFrom("d", "e"), name).map(([d, n]) => `/${d}/${n}`));
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("put" as const), path, content: fc.constantFrom("1", "22", "333") }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("del" as const), path: fc.oneof(path, fc.constantFrom("/d", "/e")) }) },
  );

  test("applyChanges() in any batches equals one build of the final state; listing, lookup and diff agree with a model", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }), async (batches) => {
        const loader = new MemLoader(TINY);
        const model = new Map<string, string>();
        let root = EMPTY;
        for (const batch of batches) {
          const before = root;
          const changes: Change[] = [];
          for (const o of batch) {
            // Keep the batch valid: a file and a folder never share a path.
            if (o.kind === "put" && [...model.keys()].some((p) => p.startsWith(`${o.path}/`) || o.path.startsWith(`${p}/`))) continue;
            if (o.kind === "put") model.set(o.path, o.content);
            else for (const p of [...model.keys()]) if (p === o.path || p.startsWith(`${o.path}/`)) model.delete(p);
            changes.push(o.kind === "put" ? put(o.path, o.content) : del(o.path));
          }
          const modelBefore = new Map((await listing(loader, before)).filter(([, h]) => h !== "dir"));
          root = (await apply(loader, changes, root)).root;
          const diff = await diffTrees(loader, before, root);
          const changed = [...new Set([...modelBefore.keys(), ...model.keys()])].filter((p) => modelBefore.get(p) !== (model.has(p) ? fileRef(model.get(p)!).hash : undefined));
          expect(diff.map((d) => d.path)).toEqual(changed.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
        }
        const files = (await listing(loader, root)).filter(([, h]) => h !== "dir");
        expect(Object.fromEntries(files)).toEqual(Object.fromEntries([...model].map(([p, c]) => [p, fileRef(c).hash])));
        for (const [p, c] of model) expect((await lookup(loader, root, 0, p))?.hash).toBe(fileRef(c).hash);
        const fresh = await apply(loader, [...model].map(([p, c]) => put(p, c)));
        expect(root).toBe(fresh.root);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
