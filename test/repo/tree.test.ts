import { describe, expect, test } from "bun:test";
import { applyChanges, decodeNode, emptyTree, encodeNode, lookup, nodeHash, segments, walk, type Change, type TreeEntry } from "../../src/repo/tree.ts";
import { expectRejects } from "../helpers/errors.ts";
import { EMPTY, fileRef, MemLoader, sha256 } from "../helpers/memtree.ts";

const put = (path: string, content: string): Change => ({ path, file: fileRef(content) });
const del = (path: string): Change => ({ path, file: null });

/** Applies `changes` on `root` (default: the empty tree), keeping the new nodes in `loader`. */
async function apply(loader: MemLoader, changes: Change[], root = EMPTY) {
  return loader.add(await applyChanges(loader, sha256, root, changes));
}
/** path -> "file:<content hash>" or "dir", every entry below the root. */
async function listing(loader: MemLoader, root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await walk(loader, root, 0, { recursive: true, includeSelf: false })) out[e.path] = e.type === "file" ? `file:${e.hash}` : "dir";
  return out;
}
const f = (content: string) => `file:${fileRef(content).hash}`;

function expectInvalid(p: Promise<unknown>, message: string, hint?: string) {
  return expectRejects(p, { code: "invalid", message, hint });
}

describe("segments()", () => {
  test.each([
    ["/", []],
    ["/a", ["a"]],
    ["/a/b.txt", ["a", "b.txt"]],
    ["/a:b/c d", ["a:b", "c d"]],
  ])("segments(%p) is %p", (p, want) => {
    expect(segments(p)).toEqual(want);
  });
});

describe("encodeNode() / decodeNode()", () => {
  const entries: TreeEntry[] = [
    { name: "a", type: "dir", hash: "h1", size: 10 },
    { name: "b \"q\".txt", type: "file", hash: "h2", size: 3 },
  ];
  test("decodeNode() inverts encodeNode()", () => {
    expect(decodeNode(encodeNode(entries))).toEqual(entries);
  });
  test("nodeHash() differs from the plain sha256 of the body (domain-separated)", () => {
    const body = encodeNode(entries);
    expect(nodeHash(body, sha256)).not.toBe(sha256(body));
  });
  test("emptyTree() is the hash of an empty listing", () => {
    expect(emptyTree(sha256)).toEqual({ hash: nodeHash("[]", sha256), body: "[]" });
  });
});

describe("applyChanges()", () => {
  // --- puts and deletes: [name, starting files, changes, resulting listing] ---
  test.each<[string, Change[], Change[], Record<string, string>]>([
    ["puts a file into the empty tree", [], [put("/a.txt", "A")], { "/a.txt": f("A") }],
    ["creates missing parent directories", [], [put("/x/y/z.txt", "Z")], { "/x": "dir", "/x/y": "dir", "/x/y/z.txt": f("Z") }],
    ["replaces a file's content", [put("/a", "1")], [put("/a", "2")], { "/a": f("2") }],
    ["lets the last change to a path win", [], [put("/a", "1"), put("/a", "2")], { "/a": f("2") }],
    ["deletes a file", [put("/a", "1"), put("/b", "2")], [del("/a")], { "/b": f("2") }],
    ["deletes a whole subtree", [put("/d/1", "1"), put("/d/e/2", "2"), put("/k", "k")], [del("/d")], { "/k": f("k") }],
    ["prunes a directory left empty by deletes", [put("/d/e/only", "1"), put("/k", "k")], [del("/d/e/only")], { "/k": f("k") }],
    ["keeps a directory that still has entries", [put("/d/1", "1"), put("/d/2", "2")], [del("/d/1")], { "/d": "dir", "/d/2": f("2") }],
    ["ignores the delete of a path that does not exist", [put("/a", "1")], [del("/nope"), del("/b/c")], { "/a": f("1") }],
    ["deletes everything with a delete of /", [put("/a", "1"), put("/d/b", "2")], [del("/")], {}],
    ["puts after a delete of / start from an empty tree", [put("/a", "1")], [del("/"), put("/b", "2")], { "/b": f("2") }],
    ["puts a file where a delete removed one in the same batch", [put("/a", "1")], [del("/a"), put("/a", "2")], { "/a": f("2") }],
    ["deletes a file put earlier in the same batch", [], [put("/a", "1"), del("/a")], {}],
    ["deletes a subtree after puts into it in the same batch", [], [put("/d/1", "1"), put("/d/2", "2"), del("/d")], {}],
    ["handles names with spaces, colons and non-ASCII", [], [put("/a b/c:d/ü😀", "x")], { "/a b": "dir", "/a b/c:d": "dir", "/a b/c:d/ü😀": f("x") }],
  ])("applyChanges() %s", async (_what, start, changes, want) => {
    const loader = new MemLoader();
    const base = await apply(loader, start);
    const r = await apply(loader, changes, base.root);
    expect(await listing(loader, r.root)).toEqual(want);
  });

  test("applyChanges() puts a file under a path whose file was deleted earlier in the same batch", async () => {
    const loader = new MemLoader();
    const base = await apply(loader, [put("/a", "1")]);
    const r = await apply(loader, [del("/a"), put("/a/b", "2")], base.root);
    expect(await listing(loader, r.root)).toEqual({ "/a": "dir", "/a/b": f("2") });
  });

  test("applyChanges() puts a file where a directory was deleted earlier in the same batch", async () => {
    const loader = new MemLoader();
    const base = await apply(loader, [put("/d/x", "1")]);
    const r = await apply(loader, [del("/d"), put("/d", "2")], base.root);
    expect(await listing(loader, r.root)).toEqual({ "/d": f("2") });
  });

  test("applyChanges() rejects a put under a file put in the same batch", async () => {
    const loader = new MemLoader();
    await expectInvalid(apply(loader, [put("/a", "1"), put("/a/b", "2")]), `cannot put under "/a": the same change puts a file there`);
  });

  test("applyChanges() ignores the delete of a path below a file", async () => {
    const loader = new MemLoader();
    const base = await apply(loader, [put("/a", "1")]);
    const r = await apply(loader, [del("/a/b")], base.root);
    expect(r.root).toBe(base.root);
  });

  test("applyChanges() sums file sizes into the root size", async () => {
    const loader = new MemLoader();
    const r = await apply(loader, [put("/a", "123"), put("/d/b", "45"), put("/d/e/c", "6")]);
    expect(r.size).toBe(6);
    const d = await lookup(loader, r.root, r.size, "/d");
    expect(d?.size).toBe(3);
    expect((await apply(loader, [del("/d/e")], r.root)).size).toBe(5);
  });

  test("applyChanges() returns the empty tree (and its node) when everything is deleted", async () => {
    const loader = new MemLoader();
    const base = await apply(loader, [put("/a", "1")]);
    const r = await applyChanges(loader, sha256, base.root, [del("/a")]);
    expect(r.root).toBe(EMPTY);
    expect(r.size).toBe(0);
    expect(r.nodes.get(EMPTY)).toBe("[]");
  });

  test("applyChanges() with no changes returns the same root", async () => {
    const loader = new MemLoader();
    const base = await apply(loader, [put("/d/a", "1")]);
    expect((await applyChanges(loader, sha256, base.root, [])).root).toBe(base.root);
  });

  // --- errors ---
  test("applyChanges() rejects a file at / with a clear message", async () => {
    await expectInvalid(apply(new MemLoader(), [put("/", "x")]), `cannot put a file at "/": the root is a directory`);
  });

  test("applyChanges() rejects a file where a directory exists", async () => {
    const loader = new MemLoader();
    const base = await apply(loader, [put("/d/x", "1")]);
    await expectInvalid(apply(loader, [put("/d", "2")], base.root), `cannot put file "/d": a directory exists there`, "delete the directory first");
  });

  test("applyChanges() rejects a put under an existing file, naming the file", async () => {
    const loader = new MemLoader();
    const base = await apply(loader, [put("/a/f", "1")]);
    await expectInvalid(apply(loader, [put("/a/f/g/h", "2")], base.root), `cannot put under "/a/f": it is a file`, "delete the file first");
  });

  // --- sharing ---
  test("applyChanges() on a 10k-file tree creates only the nodes on the changed path", async () => {
    const loader = new MemLoader();
    const big: Change[] = [];
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) for (let c = 0; c < 100; c++) big.push(put(`/a${a}/b${b}/f${c}`, `${a}.${b}.${c}`));
    const base = await apply(loader, big);
    expect(base.nodes.size).toBe(1 + 10 + 100);

    const one = await apply(loader, [put("/a3/b7/f42", "changed")], base.root);
    expect(one.nodes.size).toBe(3); // root, /a3, /a3/b7
    const oldA3 = await lookup(loader, base.root, base.size, "/a3");
    const newA3 = await lookup(loader, one.root, one.size, "/a3");
    expect(newA3?.hash).not.toBe(oldA3?.hash);
    for (const sibling of ["/a2", "/a3/b6", "/a9/b9"]) {
      expect((await lookup(loader, one.root, one.size, sibling))?.hash).toBe((await lookup(loader, base.root, base.size, sibling))!.hash);
    }

    const added = await apply(loader, [put("/a0/new/deep/file", "n")], base.root);
    expect(added.nodes.size).toBe(4); // root, /a0, /a0/new, /a0/new/deep
    const removed = await apply(loader, [del("/a5/b5/f5")], base.root);
    expect(removed.nodes.size).toBe(3);
  });

  test("applyChanges() loads only the nodes on the changed path", async () => {
    const loader = new MemLoader();
    const big: Change[] = [];
    for (let a = 0; a < 20; a++) for (let c = 0; c < 20; c++) big.push(put(`/a${a}/f${c}`, `${a}.${c}`));
    const base = await apply(loader, big);
    loader.loads = 0;
    await apply(loader, [put("/a7/f3", "x")], base.root);
    expect(loader.loads).toBe(2);
  });

  // --- hashes ---
  test("applyChanges() gives the same root for the same content, whatever the order or batching", async () => {
    const loader = new MemLoader();
    const all = [put("/a", "1"), put("/d/b", "2"), put("/d/e/c", "3"), put("/z", "4")];
    const once = await apply(loader, all);
    const reversed = await apply(loader, [...all].reverse());
    let stepwise = EMPTY;
    for (const c of all) stepwise = (await apply(loader, [c], stepwise)).root;
    const viaDetour = await apply(loader, [put("/tmp/x", "junk"), put("/d/b", "old")], EMPTY);
    const cleaned = await apply(loader, [del("/tmp"), ...all], viaDetour.root);
    expect(reversed.root).toBe(once.root);
    expect(stepwise).toBe(once.root);
    expect(cleaned.root).toBe(once.root);
  });

  test("applyChanges() makes a directory's hash cover its subtree", async () => {
    const loader = new MemLoader();
    const a = await apply(loader, [put("/d/e/c", "3"), put("/k/x", "1")]);
    const b = await apply(loader, [put("/d/e/c", "3!"), put("/k/x", "1")]);
    const c = await apply(loader, [put("/d/e/c2", "3"), put("/k/x", "1")]);
    const hashOf = async (root: string, p: string) => (await lookup(loader, root, 0, p))!.hash;
    expect(b.root).not.toBe(a.root);
    expect(await hashOf(b.root, "/d")).not.toBe(await hashOf(a.root, "/d"));
    expect(await hashOf(c.root, "/d")).not.toBe(await hashOf(a.root, "/d")); // a rename changes it too
    expect(await hashOf(b.root, "/k")).toBe(await hashOf(a.root, "/k"));
    // Same subtree content elsewhere has the same hash.
    const moved = await apply(loader, [put("/other/e/c", "3")]);
    expect(await hashOf(moved.root, "/other")).toBe(await hashOf(a.root, "/d"));
  });

  test("applyChanges() distinguishes an empty file from a missing one and a file from a dir", async () => {
    const loader = new MemLoader();
    const roots = new Set([
      (await apply(loader, [put("/a", "")])).root,
      (await apply(loader, [put("/b", "")])).root,
      (await apply(loader, [put("/a/x", "")])).root,
      EMPTY,
    ]);
    expect(roots.size).toBe(4);
  });
});

describe("walk()", () => {
  test("walk() lists files and directories in byte-wise path order", async () => {
    const loader = new MemLoader();
    const names = ["/a/b", "/a-c", "/a.txt", "/B", "/\u{1F600}", "/\uFFFD", "/a/a"];
    const r = await apply(loader, names.map((n) => put(n, n)));
    const paths = (await walk(loader, r.root, r.size)).map((e) => e.path);
    // '-' (2d) < '.' (2e) < '/' (2f); U+FFFD (EF BF BD) < U+1F600 (F0 9F 98 80) in UTF-8.
    expect(paths).toEqual(["/", "/B", "/a", "/a-c", "/a.txt", "/a/a", "/a/b", "/\uFFFD", "/\u{1F600}"]);
  });

  test("walk() lists one level with recursive: false, below a base path", async () => {
    const loader = new MemLoader();
    const r = await apply(loader, [put("/d/x", "1"), put("/d/e/y", "2"), put("/k", "3")]);
    const d = (await lookup(loader, r.root, r.size, "/d"))!;
    const got = await walk(loader, d.hash, d.size, { recursive: false, includeSelf: false, base: "/d" });
    expect(got.map((e) => [e.path, e.type])).toEqual([["/d/e", "dir"], ["/d/x", "file"]]);
  });

  test("walk() includes the root with its hash and size when asked", async () => {
    const loader = new MemLoader();
    const r = await apply(loader, [put("/a", "12")]);
    expect((await walk(loader, r.root, r.size))[0]).toEqual({ path: "/", type: "dir", hash: r.root, size: 2 });
  });

  test("walk() of the empty tree is just the root", async () => {
    expect(await walk(new MemLoader(), EMPTY, 0)).toEqual([{ path: "/", type: "dir", hash: EMPTY, size: 0 }]);
  });
});

describe("lookup()", () => {
  const setup = async () => {
    const loader = new MemLoader();
    const r = await apply(loader, [put("/d/e/f.txt", "abc"), put("/top", "t")]);
    return { loader, r };
  };
  test.each<[string, string, { type: "file" | "dir"; size: number } | null]>([
    ["the root", "/", { type: "dir", size: 4 }],
    ["a directory", "/d", { type: "dir", size: 3 }],
    ["a nested file", "/d/e/f.txt", { type: "file", size: 3 }],
    ["a missing name", "/nope", null],
    ["a missing name in a directory", "/d/nope", null],
    ["a path through a file", "/top/x", null],
  ])("lookup() finds %s", async (_what, p, want) => {
    const { loader, r } = await setup();
    const got = await lookup(loader, r.root, r.size, p);
    expect(got === null ? null : { type: got.type, size: got.size }).toEqual(want);
    if (got) expect(got.path).toBe(p);
  });

  test("lookup() returns a file's content hash", async () => {
    const { loader, r } = await setup();
    expect((await lookup(loader, r.root, r.size, "/d/e/f.txt"))?.hash).toBe(fileRef("abc").hash);
  });
});
