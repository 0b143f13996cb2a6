import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { encodeList, nodeHash } from "../../src/repo/shard.ts";
import { TreeStore } from "../../src/repo/treestore.ts";
import { applyChanges, emptyTree, lookup, walk, type Change, type TreeEntry } from "../../src/repo/tree.ts";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { fileRef } from "../helpers/memtree.ts";

let t: TestApp;
beforeEach(async () => {
  t = await openTestApp();
});
afterEach(() => t.close());

const names = (n: number) => Array.from({ length: n }, (_, i) => `f${String(i).padStart(5, "0")}`);

async function save(nodes: Map<string, string>) {
  await t.app.db.write((tx) => t.app.repos.trees.save(tx, nodes));
}

describe("TreeStore", () => {
  test("TreeStore reads back a sharded folder saved in the database, from a cold cache", async () => {
    const repos = t.app.repos;
    await repos.createRepo("data"); // stores the empty tree
    const changes: Change[] = names(5000).map((n) => ({ path: `/big/${n}`, file: fileRef(n) }));
    const r = await applyChanges(repos.trees, repos.sha256, emptyTree(repos.sha256).hash, changes);
    expect(r.nodes.size).toBeGreaterThan(10);
    await save(r.nodes);
    const cold = new TreeStore(t.app.db);
    const all = await walk(cold, r.root, r.size, { recursive: true, includeSelf: false });
    expect(all.length).toBe(5001);
    expect(all.slice(0, 3).map((e) => e.path)).toEqual(["/big", "/big/f00000", "/big/f00001"]);
    expect((await lookup(new TreeStore(t.app.db), r.root, r.size, "/big/f04321"))?.hash).toBe(fileRef("f04321").hash);
    const big = (await lookup(cold, r.root, r.size, "/big"))!;
    expect((await cold.load(big.hash)).map((e) => e.name)).toEqual(names(5000));
    expect((await cold.child(big.hash, "f00042"))?.hash).toBe(fileRef("f00042").hash);
  });

  test("TreeStore.nodes() returns nodes in the order asked, repeats included, and names a missing one", async () => {
    const a = encodeList([{ name: "a", type: "file", ...fileRef("a") }]);
    const b = encodeList([]);
    const ha = nodeHash(a, t.app.repos.sha256);
    const hb = nodeHash(b, t.app.repos.sha256);
    await save(new Map([[ha, a], [hb, b]]));
    const store = new TreeStore(t.app.db);
    const got = await store.nodes([hb, ha, hb]);
    expect(got.map((n) => (n.kind === "list" ? n.entries.length : -1))).toEqual([0, 1, 0]);
    await expect(store.nodes([ha, "f".repeat(64)])).rejects.toThrow(`tree node ${"f".repeat(64)} is missing from the database`);
  });

  test("a data dir's flat 3000-entry folder node (before sharding) reads, and a put into it commits a sharded folder", async () => {
    const repos = t.app.repos;
    await repos.createRepo("data");
    const entries: TreeEntry[] = names(3000).map((n) => ({ name: n, type: "file", ...fileRef(n) }));
    const body = encodeList(entries);
    const root = nodeHash(body, repos.sha256);
    const size = entries.reduce((n, e) => n + e.size, 0);
    await repos.commit({ repo: "data", branch: "master", origin: "user", root, size, nodes: new Map([[root, body]]) });
    const head = (await repos.branchHead("data", "master"))!;
    expect((await repos.lookup(head, "/f02999"))?.hash).toBe(fileRef("f02999").hash);
    const file = await repos.store.putBytes(new TextEncoder().encode("new"));
    const c = await repos.modify("data", "master", "user", async () => [{ path: "/f00001", file }]);
    const all = await repos.listAll(c);
    expect(all.length).toBe(3001);
    expect(all.find((e) => e.path === "/f00001")?.hash).toBe(file.hash);
    expect(c.sizeBytes).toBe(size - 6 + 3);
    expect(JSON.parse((await t.app.db.get<{ body: string }>("SELECT body FROM trees WHERE hash = ?", [c.tree]))!.body).shard).toEqual([0, 6]);
  });
});
