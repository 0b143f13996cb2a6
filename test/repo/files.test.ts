import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { deleteFile, forEachLimit, putFile } from "../../src/repo/files.ts";
import { Repos } from "../../src/repo/repos.ts";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { expectRejects } from "../helpers/errors.ts";
import { countRows, fileMap, putText, readText } from "../helpers/repo.ts";
import { writeFiles } from "../helpers/tmp.ts";
import { StatCache } from "../../src/store/statcache.ts";
import { diffTrees } from "../../src/repo/diff.ts";

let t: TestApp;
let repos: Repos;
let src: string;
beforeEach(async () => {
  t = await openTestApp();
  repos = t.app.repos;
  await repos.createRepo("images");
  src = path.join(t.dir, "src");
  fs.mkdirSync(src);
});
afterEach(() => t.close());

const head = () => repos.resolve("images");
const opts = (over: Partial<{ recursive: boolean; overwrite: boolean; message: string }> = {}) => ({ recursive: false, overwrite: false, ...over });

describe("putFile()", () => {
  // --- append (default) vs --overwrite: [existing content or null, put, overwrite, result] ---
  test.each<[string, string | null, string, boolean, string]>([
    ["creates a new file", null, "b\n", false, "b\n"],
    ["appends to an existing file by default", "a\n", "b\n", false, "a\nb\n"],
    ["appends without adding a newline", "a", "b", false, "ab"],
    ["appending nothing keeps the content", "a\n", "", false, "a\n"],
    ["replaces an existing file with --overwrite", "a\n", "b\n", true, "b\n"],
    ["empties a file with --overwrite of nothing", "a\n", "", true, ""],
    ["creates a new file with --overwrite", null, "b\n", true, "b\n"],
  ])("putFile() %s", async (_what, existing, text, overwrite, want) => {
    if (existing !== null) await putText(repos, "images", "/f", existing);
    const c = await putText(repos, "images", "/f", text, { overwrite });
    expect(await readText(repos, c, "/f")).toBe(want);
    expect(c.sizeBytes).toBe(Buffer.byteLength(want));
    expect((await repos.lookup(c, "/f"))!.hash).toBe(repos.sha256(want));
  });

  test("putFile() makes one finished commit per call, on top of the previous one, with its message", async () => {
    const a = await putText(repos, "images", "/a", "1");
    const file = path.join(src, "b.txt");
    fs.writeFileSync(file, "2");
    const b = await putFile(repos, "images", "master", "/b", file, opts({ message: "add b" }));
    expect(b.parent).toBe(a.id);
    expect(b.message).toBe("add b");
    expect(b.origin).toBe("user");
    expect(await fileMap(repos, await head())).toEqual({ "/a": "1", "/b": "2" });
    expect(fs.readFileSync(file, "utf8")).toBe("2"); // the source is copied, not moved
  });

  test("putFile() -r puts a directory tree under the target path, appending to existing files", async () => {
    await putText(repos, "images", "/dst/x.txt", "old ");
    writeFiles(src, { "x.txt": "new", "sub/y.txt": "y", "sub/deeper/z.bin": "z" });
    const c = await putFile(repos, "images", "master", "/dst", src, opts({ recursive: true }));
    expect(await fileMap(repos, c)).toEqual({ "/dst/x.txt": "old new", "/dst/sub/y.txt": "y", "/dst/sub/deeper/z.bin": "z" });
    expect(await repos.listCommits("images", "master")).toHaveLength(2);
  });

  test("putFile() -r onto / puts the tree at the repo root", async () => {
    writeFiles(src, { "a": "1", "d/b": "2" });
    const c = await putFile(repos, "images", "master", "/", src, opts({ recursive: true }));
    expect(await fileMap(repos, c)).toEqual({ "/a": "1", "/d/b": "2" });
  });

  test("putFile() -r skips links, FIFOs and sockets, naming each, and stores none of what they point to", async () => {
    const outside = path.join(t.dir, "outside");
    writeFiles(outside, { "secret": "host secret\n", "sub/s2": "x" });
    writeFiles(src, { "real.txt": "r" });
    fs.symlinkSync(path.join(outside, "secret"), path.join(src, "shadow"));
    fs.symlinkSync(path.join(outside, "sub"), path.join(src, "dirlink"));
    fs.symlinkSync("nowhere", path.join(src, "broken"));
    (await t.app.rt).mkfifo(path.join(src, "fifo"));
    const skipped: string[] = [];
    const c = await putFile(repos, "images", "master", "/d", src, { ...opts({ recursive: true }), onSkip: (p, why) => void skipped.push(`${path.basename(p)}: ${why}`) });
    expect(await fileMap(repos, c)).toEqual({ "/d/real.txt": "r" });
    expect(skipped.sort()).toEqual([
      `broken: a symbolic link to "nowhere" (--follow-links puts what it points to)`,
      `dirlink: a symbolic link to "${path.join(outside, "sub")}" (--follow-links puts what it points to)`,
      "fifo: a FIFO",
      `shadow: a symbolic link to "${path.join(outside, "secret")}" (--follow-links puts what it points to)`,
    ]);
  });

  test("putFile() -r with followLinks puts what links point to, files and folders, and does not loop on a link back up", async () => {
    const outside = path.join(t.dir, "outside");
    writeFiles(outside, { "f": "F", "sub/g": "G" });
    writeFiles(src, { "real.txt": "r" });
    fs.symlinkSync(path.join(outside, "f"), path.join(src, "flink"));
    fs.symlinkSync(path.join(outside, "sub"), path.join(src, "dlink"));
    fs.symlinkSync(".", path.join(src, "loop"));
    const skipped: string[] = [];
    const c = await putFile(repos, "images", "master", "/d", src, { ...opts({ recursive: true }), followLinks: true, onSkip: (p, why) => void skipped.push(`${path.basename(p)}: ${why}`) });
    expect(await fileMap(repos, c)).toEqual({ "/d/real.txt": "r", "/d/flink": "F", "/d/dlink/g": "G" });
    expect(skipped).toEqual(["loop: a link to a folder already put (a loop)"]);
  });

  test("putFile() of a link named as the source follows it (as cp does)", async () => {
    writeFiles(src, { "real.txt": "r" });
    fs.symlinkSync("real.txt", path.join(src, "link.txt"));
    const c = await putFile(repos, "images", "master", "/x", path.join(src, "link.txt"), opts());
    expect(await fileMap(repos, c)).toEqual({ "/x": "r" });
  });

  test("putFile() of a directory without -r is a usage error and commits nothing", async () => {
    await expectRejects(putFile(repos, "images", "master", "/d", src, opts()), {
      code: "usage", message: `source "${src}" is a directory`, hint: "add -r to put a directory tree",
    });
    expect(await repos.listCommits("images", "master")).toEqual([]);
  });

  test("putFile() of a missing source is not_found", async () => {
    const missing = path.join(src, "missing.txt");
    await expectRejects(putFile(repos, "images", "master", "/x", missing, opts()), { code: "not_found", message: `source "${missing}" does not exist` });
  });

  test("putFile() where a directory exists is invalid (append and overwrite)", async () => {
    await putText(repos, "images", "/d/x", "1");
    await expectRejects(putText(repos, "images", "/d", "2"), { code: "invalid", message: `cannot put file "/d": a directory exists there` });
    await expectRejects(putText(repos, "images", "/d", "2", { overwrite: true }), {
      code: "invalid", message: `cannot put file "/d": a directory exists there`, hint: "delete the directory first",
    });
    expect(await fileMap(repos, await head())).toEqual({ "/d/x": "1" });
  });

  test("putFile() below an existing file is invalid", async () => {
    await putText(repos, "images", "/f", "1");
    await expectRejects(putText(repos, "images", "/f/g", "2"), { code: "invalid", message: `cannot put under "/f": it is a file`, hint: "delete the file first" });
  });

  test("putFile() into an unknown repo is not_found with a suggestion", async () => {
    await expectRejects(putText(repos, "imagse", "/f", "1"), { code: "not_found", message: `repo "imagse" does not exist`, hint: `did you mean "images"?` });
  });

  test("putFile() from stdin keeps its bytes when another writer moves the branch meanwhile (the change is computed again, stdin read once)", async () => {
    // A second Repos over the same database and store: another process's writer, outside this one's branch lock.
    const other = new Repos({ db: t.app.db, store: repos.store, sha256: repos.sha256, now: () => new Date() });
    async function* stdin() {
      await putText(other, "images", "/other", "moved the branch\n"); // lands while this put reads its input
      yield new TextEncoder().encode("mine\n");
    }
    const c = await putFile(repos, "images", "master", "/mine", "-", { recursive: false, overwrite: false, stdin: stdin() });
    expect(await readText(repos, c, "/mine")).toBe("mine\n");
    expect(await readText(repos, c, "/other")).toBe("moved the branch\n");
  });

  test("putFile() stores a large stdin stream intact", async () => {
    const big = "0123456789abcdef".repeat(1 << 16) + "end";
    const c = await putText(repos, "images", "/big", big);
    expect(await readText(repos, c, "/big")).toBe(big);
  });
});

describe("deleteFile()", () => {
  test.each<[string, string, Record<string, string>]>([
    ["deletes one file", "/a", { "/d/x": "x", "/d/e/y": "y" }],
    ["deletes a directory subtree", "/d", { "/a": "a" }],
    ["deletes a nested subtree and prunes nothing else", "/d/e", { "/a": "a", "/d/x": "x" }],
    ["deletes everything at /", "/", {}],
  ])("deleteFile() %s in one commit", async (_what, target, want) => {
    await repos.startCommit("images", "master");
    await putText(repos, "images", "/a", "a");
    await putText(repos, "images", "/d/x", "x");
    await putText(repos, "images", "/d/e/y", "y");
    const before = await repos.finishCommit("images", "master");
    const c = await deleteFile(repos, "images", "master", target);
    expect(c.parent).toBe(before.id);
    expect(await fileMap(repos, await head())).toEqual(want);
  });

  test("deleteFile() of a missing path is not_found and commits nothing", async () => {
    await putText(repos, "images", "/a", "a");
    const commits = await countRows(t.app.db, "commits");
    await expectRejects(deleteFile(repos, "images", "master", "/nope"), { code: "not_found", message: `path "/nope" does not exist in images@master` });
    await expectRejects(deleteFile(repos, "images", "master", "/a/below"), { code: "not_found", message: `path "/a/below" does not exist in images@master` });
    expect(await countRows(t.app.db, "commits")).toBe(commits);
  });

  test("deleteFile() inside an open commit is invisible until finish", async () => {
    await putText(repos, "images", "/a", "a");
    await repos.startCommit("images", "master");
    await deleteFile(repos, "images", "master", "/a");
    expect(await fileMap(repos, await head())).toEqual({ "/a": "a" });
    await repos.finishCommit("images", "master");
    expect(await fileMap(repos, await head())).toEqual({});
  });

  test("deleteFile() then putFile() of the same path in one open commit starts the file afresh", async () => {
    await putText(repos, "images", "/a", "old\n");
    await repos.startCommit("images", "master");
    await deleteFile(repos, "images", "master", "/a");
    await putText(repos, "images", "/a", "new\n");
    await repos.finishCommit("images", "master");
    expect(await fileMap(repos, await head())).toEqual({ "/a": "new\n" });
  });
});

describe("forEachLimit()", () => {
  test.each([
    [0, 4],
    [1, 4],
    [10, 3],
    [5, 10],
  ])("forEachLimit() runs each of %p items once with at most %p at a time", async (n, limit) => {
    const items = Array.from({ length: n }, (_, i) => i);
    const seen: number[] = [];
    let running = 0;
    let peak = 0;
    await forEachLimit(items, limit, async (item, i) => {
      expect(item).toBe(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(item);
      running--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(items);
    expect(peak).toBeLessThanOrEqual(Math.min(limit, Math.max(n, 1)));
  });

  test("forEachLimit() rejects with the first error", async () => {
    await expect(forEachLimit([1, 2, 3], 2, async (i) => {
      if (i === 2) throw new Error("item 2 failed");
    })).rejects.toThrow("item 2 failed");
  });
});

describe("putFile() with a stat cache", () => {
  test("putFile() of an unchanged folder makes no commit and says so; a changed file lands", async () => {
    writeFiles(src, { a: "a", b: "b" });
    const put = () => putFile(repos, "images", "master", "/", src, { ...opts({ recursive: true, overwrite: true }), statCache: new StatCache(t.app.db) });
    const first = await put();
    const again = await put();
    expect(again.unchanged).toBe(true);
    expect(again.id).toBe(first.id);
    expect((await repos.listCommits("images", "master")).length).toBe(1);
    fs.writeFileSync(path.join(src, "b"), "changed");
    const third = await put();
    expect(third.unchanged).toBeUndefined();
    expect(await readText(repos, await head(), "/b")).toBe("changed");
  });
});

describe("putFile() -r --overwrite again to the same place", () => {
  const later = () => Date.now() + 10_000; // past the racy window of files written just now
  const put = (target = "/x") => putFile(repos, "images", "master", target, src, { ...opts({ recursive: true, overwrite: true }), statCache: new StatCache(t.app.db), now: later });
  const files300 = () => Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, `content ${i}\n`]));
  /** Tree nodes read while `fn` runs. */
  async function nodeReads(fn: () => Promise<unknown>): Promise<number> {
    const trees = repos.trees;
    const real = trees.node.bind(trees);
    let reads = 0;
    trees.node = (h: string) => (reads++, real(h));
    try {
      await fn();
    } finally {
      trees.node = real;
    }
    return reads;
  }

  test("putFile() commits only the changed file, reading a few tree nodes instead of one lookup per file", async () => {
    writeFiles(src, files300());
    const first = await put();
    fs.writeFileSync(path.join(src, "f7"), "changed\n");
    const when = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(src, "f8"), when, when); // touched: same bytes
    let second!: Awaited<ReturnType<typeof put>>;
    expect(await nodeReads(async () => void (second = await put()))).toBeLessThan(30);
    expect(second.parent).toBe(first.id);
    expect(await diffTrees(repos.trees, first.tree, second.tree)).toEqual([{ path: "/x/f7", change: "modified", size: 8 }]);
    const third = await put();
    expect(third.unchanged).toBe(true);
  });

  test("putFile() puts back a file changed or deleted in the repo since its last put (that put's tree is gone)", async () => {
    writeFiles(src, files300());
    await put();
    await putText(repos, "images", "/x/f1", "edited in the repo", { overwrite: true });
    await deleteFile(repos, "images", "master", "/x/f2");
    expect(await nodeReads(() => put())).toBeGreaterThan(300);
    const c = await head();
    expect(await readText(repos, c, "/x/f1")).toBe("content 1\n");
    expect(await readText(repos, c, "/x/f2")).toBe("content 2\n");
    expect(Object.keys(await fileMap(repos, c)).length).toBe(300);
  });

  test("putFile() to another place compares every file, and does not trust the first place afterwards", async () => {
    writeFiles(src, { a: "a", b: "b" });
    await put("/x");
    await put("/y");
    await putText(repos, "images", "/x/a", "edited", { overwrite: true });
    await put("/x");
    expect(await fileMap(repos, await head())).toEqual({ "/x/a": "a", "/x/b": "b", "/y/a": "a", "/y/b": "b" });
  });
});

