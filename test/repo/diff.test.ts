import { describe, expect, test } from "bun:test";
import { diffTrees, type DiffEntry } from "../../src/repo/diff.ts";
import { applyChanges, type Change } from "../../src/repo/tree.ts";
import { EMPTY, fileRef, MemLoader, sha256 } from "../helpers/memtree.ts";

/** A tree holding `files` (path -> content). */
async function tree(loader: MemLoader, files: Record<string, string>): Promise<string> {
  const changes: Change[] = Object.entries(files).map(([path, c]) => ({ path, file: fileRef(c) }));
  return loader.add(await applyChanges(loader, sha256, EMPTY, changes)).root;
}
const added = (path: string, content: string): DiffEntry => ({ path, change: "added", size: content.length });
const deleted = (path: string, content: string): DiffEntry => ({ path, change: "deleted", size: content.length });
const modified = (path: string, content: string): DiffEntry => ({ path, change: "modified", size: content.length });

describe("diffTrees()", () => {
  test.each<[string, Record<string, string> | null, Record<string, string>, DiffEntry[]]>([
    ["reports every file of a first commit as added (no dirs)", null, { "/a": "1", "/d/b": "22" }, [added("/a", "1"), added("/d/b", "22")]],
    ["reports nothing between identical trees", { "/a": "1", "/d/b": "2" }, { "/d/b": "2", "/a": "1" }, []],
    ["reports a new top-level file as added", { "/a": "1" }, { "/a": "1", "/b": "22" }, [added("/b", "22")]],
    ["reports a removed top-level file as deleted (with its old size)", { "/a": "1", "/b": "22" }, { "/a": "1" }, [deleted("/b", "22")]],
    ["reports a changed top-level file as modified (with its new size)", { "/a": "1" }, { "/a": "333" }, [modified("/a", "333")]],
    ["reports a removed directory as its files deleted", { "/a": "1", "/d/x": "1", "/d/e/y": "22" }, { "/a": "1" }, [deleted("/d/e/y", "22"), deleted("/d/x", "1")]],
    ["reports a new directory as its files added", { "/a": "1" }, { "/a": "1", "/d/e/y": "22" }, [added("/d/e/y", "22")]],
    ["reports a directory replaced by a file", { "/d/x": "1" }, { "/d": "file" }, [added("/d", "file"), deleted("/d/x", "1")]],
    ["reports a file replaced by a directory", { "/d": "file" }, { "/d/x": "1" }, [deleted("/d", "file"), added("/d/x", "1")]],
    ["sorts paths byte-wise", null, { "/a/b": "1", "/a-c": "2", "/a.txt": "3" }, [added("/a-c", "2"), added("/a.txt", "3"), added("/a/b", "1")]],
    ["reports an empty tree against a null base as no changes", null, {}, []],
  ])("diffTrees() %s", async (_what, from, to, want) => {
    const loader = new MemLoader();
    const a = from === null ? null : await tree(loader, from);
    const b = await tree(loader, to);
    expect(await diffTrees(loader, a, b)).toEqual(want);
  });

  test("diffTrees() to null reports every file as deleted", async () => {
    const loader = new MemLoader();
    const a = await tree(loader, { "/a": "1", "/d/b": "22" });
    expect(await diffTrees(loader, a, null)).toEqual([deleted("/a", "1"), deleted("/d/b", "22")]);
  });

  test("diffTrees() skips an identical subtree without loading it", async () => {
    const loader = new MemLoader();
    const files: Record<string, string> = { "/top": "1" };
    for (let i = 0; i < 50; i++) files[`/same/f${i}`] = String(i);
    const a = await tree(loader, files);
    const b = await tree(loader, { ...files, "/top": "2" });
    loader.loads = 0;
    expect(await diffTrees(loader, a, b)).toEqual([modified("/top", "2")]);
    expect(loader.loads).toBe(2); // the two roots only
  });

  test("diffTrees() reports a file changed inside a directory as modified, and nothing for its siblings", async () => {
    const loader = new MemLoader();
    const a = await tree(loader, { "/d/a": "1", "/d/b": "2", "/k": "k" });
    const b = await tree(loader, { "/d/a": "1", "/d/b": "33", "/k": "k" });
    expect(await diffTrees(loader, a, b)).toEqual([modified("/d/b", "33")]);
  });
});
