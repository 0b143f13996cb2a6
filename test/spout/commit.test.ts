import { afterEach, describe, expect, test } from "bun:test";
import { commitArchive, fileFolderClash, splitMarker, type SpoutTarget } from "../../src/spout/commit.ts";
import type { StoredEntry } from "../../src/spout/ingest.ts";
import { loadMarker } from "../../src/spout/marker.ts";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { fileMap, putText } from "../helpers/repo.ts";

const e = (path: string): StoredEntry => ({ path, hash: `h${path}`, size: 1 });

describe("splitMarker()", () => {
  test.each<[string, string[], string | undefined, string[], string[]]>([
    ["no marker: everything is output", ["/a", "/offset"], undefined, ["/a", "/offset"], []],
    ["the marker file", ["/a", "/offset"], "offset", ["/a"], ["/offset"]],
    ["files under the marker folder", ["/m/x", "/m/y/z", "/a"], "m", ["/a"], ["/m/x", "/m/y/z"]],
    ["a name that only starts like the marker is output", ["/offset2", "/offsets/x"], "offset", ["/offset2", "/offsets/x"], []],
  ])("splitMarker(): %s", (_name, paths, marker, output, mark) => {
    const r = splitMarker(paths.map(e), marker);
    expect(r.output.map((f) => f.path)).toEqual(output);
    expect(r.marker.map((f) => f.path)).toEqual(mark);
  });
});

describe("fileFolderClash()", () => {
  test.each<[string[], string | null]>([
    [["/a", "/b/c"], null],
    [["/a", "/a"], null],
    [["/a", "/a/b"], '"/a" is both a file and a folder (of "/a/b") in this archive'],
    [["/x/y/z", "/x/y"], '"/x/y" is both a file and a folder (of "/x/y/z") in this archive'],
    [["/ab", "/a/b"], null],
  ])("fileFolderClash(%p) is %p", (paths, want) => {
    expect(fileFolderClash(paths)).toBe(want);
  });
});

describe("commitArchive()", () => {
  let t: TestApp;
  afterEach(() => t?.close());
  const target = (over: Partial<SpoutTarget> = {}): SpoutTarget => ({ pipeline: "feed", repo: "feed", branch: "master", overwrite: false, ...over });
  const stored = async (path: string, text: string): Promise<StoredEntry> => ({ path, ...(await t.app.store.putBytes(new TextEncoder().encode(text))) });
  const head = async () => fileMap(t.app.repos, (await t.app.repos.branchHead("feed", "master"))!);

  async function setup() {
    t = await openTestApp();
    await t.app.repos.createRepo("feed");
  }

  test("commitArchive() appends to existing files, keeps the others, in archive order", async () => {
    await setup();
    await putText(t.app.repos, "feed", "/log", "old\n");
    await putText(t.app.repos, "feed", "/keep", "k");
    const r = await commitArchive(t.app, target(), [await stored("/log", "a\n"), await stored("/new", "n"), await stored("/log", "b\n")], null);
    expect(r.kind).toBe("commit");
    expect(await head()).toEqual({ "/keep": "k", "/log": "old\na\nb\n", "/new": "n" });
    const c = (await t.app.repos.branchHead("feed", "master"))!;
    expect(c.origin).toBe("spout");
  });

  test("commitArchive() with overwrite replaces each path by its last entry", async () => {
    await setup();
    await putText(t.app.repos, "feed", "/log", "old\n");
    await putText(t.app.repos, "feed", "/keep", "k");
    await commitArchive(t.app, target({ overwrite: true }), [await stored("/log", "a\n"), await stored("/log", "b\n")], null);
    expect(await head()).toEqual({ "/keep": "k", "/log": "b\n" });
  });

  test("commitArchive() saves the marker in the commit's transaction and leaves it out of the output", async () => {
    await setup();
    const r = await commitArchive(t.app, target({ marker: "offset" }), [await stored("/data", "d"), await stored("/offset", "7")], null);
    if (r.kind !== "commit") throw new Error(r.kind);
    expect(await head()).toEqual({ "/data": "d" });
    const m = (await loadMarker(t.app.db, "feed"))!;
    expect(m.commitId).toBe(r.commit.id);
    expect(await fileMap(t.app.repos, { tree: m.root, sizeBytes: m.size })).toEqual({ "/offset": "7" });
  });

  test("commitArchive() overwrites marker files one by one and starts afresh when the marker changes from file to folder", async () => {
    await setup();
    const tg = target({ marker: "m" });
    let r = await commitArchive(t.app, tg, [await stored("/m/a", "1"), await stored("/m/b", "1"), await stored("/x", "x")], null);
    if (r.kind !== "commit") throw new Error(r.kind);
    r = await commitArchive(t.app, tg, [await stored("/m/a", "2"), await stored("/x", "x")], r.marker);
    if (r.kind !== "commit") throw new Error(r.kind);
    expect(await fileMap(t.app.repos, { tree: r.marker!.root, sizeBytes: r.marker!.size })).toEqual({ "/m/a": "2", "/m/b": "1" });
    r = await commitArchive(t.app, tg, [await stored("/m", "file now"), await stored("/x", "x")], r.marker);
    if (r.kind !== "commit") throw new Error(r.kind);
    expect(await fileMap(t.app.repos, { tree: r.marker!.root, sizeBytes: r.marker!.size })).toEqual({ "/m": "file now" });
  });

  test("commitArchive() with only marker files moves the marker and makes no commit", async () => {
    await setup();
    const r = await commitArchive(t.app, target({ marker: "offset" }), [await stored("/offset", "9")], null);
    expect(r.kind).toBe("marker");
    expect(await t.app.repos.branchHead("feed", "master")).toBeNull();
    expect((await loadMarker(t.app.db, "feed"))!.commitId).toBe("");
  });

  test("commitArchive() of no files makes no commit", async () => {
    await setup();
    expect(await commitArchive(t.app, target(), [], null)).toEqual({ kind: "empty" });
    expect(await t.app.repos.branchHead("feed", "master")).toBeNull();
  });

  test.each<[string, string[], string[], RegExp]>([
    ["a file where the branch has a folder", ["/d/f"], ["/d"], /cannot put file "\/d": a directory exists there/],
    ["a file under a file of the branch", ["/f"], ["/f/g"], /cannot put under "\/f": it is a file/],
    ["a path that is file and folder in the archive", [], ["/a", "/a/b"], /"\/a" is both a file and a folder/],
    ["the marker as file and folder at once", [], ["/offset", "/offset/x"], /the marker "offset" is both a file and a folder/],
  ])("commitArchive() refuses %s and commits nothing", async (_name, existing, paths, reason) => {
    await setup();
    for (const p of existing) await putText(t.app.repos, "feed", p, "x");
    const before = await t.app.repos.branchHead("feed", "master");
    const r = await commitArchive(t.app, target({ marker: "offset" }), await Promise.all(paths.map((p) => stored(p, "new"))), null);
    expect(r.kind).toBe("refused");
    expect((r as { reason: string }).reason).toMatch(reason);
    expect((await t.app.repos.branchHead("feed", "master"))?.id ?? null).toBe(before?.id ?? null);
    expect(await loadMarker(t.app.db, "feed")).toBeNull();
  });

  test("commitArchive() rebuilds on the new head when the branch moved while it worked", async () => {
    await setup();
    await putText(t.app.repos, "feed", "/log", "1\n");
    const repos = t.app.repos;
    const orig = repos.branchHead.bind(repos);
    let raced = false;
    repos.branchHead = async (repo, branch) => {
      const h = await orig(repo, branch);
      if (!raced) {
        raced = true;
        await putText(repos, "feed", "/log", "2\n"); // lands after our read: our head is stale
      }
      return h;
    };
    const r = await commitArchive(t.app, target(), [await stored("/log", "3\n")], null);
    if (r.kind !== "commit") throw new Error(r.kind);
    expect(await head()).toEqual({ "/log": "1\n2\n3\n" });
    expect((await repos.listCommits("feed", "master")).length).toBe(3);
  });
});
