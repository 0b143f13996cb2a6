import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/client.ts";
import { newId, type Repos } from "../../src/repo/repos.ts";
import { applyChanges, emptyTree, type Change } from "../../src/repo/tree.ts";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { expectRejects } from "../helpers/errors.ts";
import { countRows, fileMap, putText, readText } from "../helpers/repo.ts";

let t: TestApp;
let repos: Repos;
let db: Db;
beforeEach(async () => {
  t = await openTestApp();
  repos = t.app.repos;
  db = t.app.db;
});
afterEach(() => t.close());

/** A commit with a chosen id on images@master adding one file. */
async function commitWithId(id: string) {
  const head = await repos.branchHead("images", "master");
  const root = head?.tree ?? emptyTree(repos.sha256).hash;
  const file = await repos.store.putBytes(new TextEncoder().encode(id));
  const next = await applyChanges(repos.trees, repos.sha256, root, [{ path: `/${id}`, file }]);
  return repos.commit({ id, repo: "images", branch: "master", origin: "user", root: next.root, size: next.size, nodes: next.nodes });
}

/** The first 4-hex-digit string that starts none of `ids`. */
function unusedPrefix(ids: string[]): string {
  for (let n = 0; ; n++) {
    const p = n.toString(16).padStart(4, "0");
    if (!ids.some((id) => id.startsWith(p))) return p;
  }
}

describe("Repos.createRepo()", () => {
  test("createRepo() makes an empty repo with a master branch and no head", async () => {
    await repos.createRepo("images", { description: "cats" });
    expect(await repos.listRepos()).toEqual([
      { name: "images", description: "cats", kind: "user", created: expect.any(String), head: null, sizeBytes: 0 },
    ]);
    expect(await repos.hasBranch("images", "master")).toBe(true);
    expect(await repos.branchHead("images", "master")).toBeNull();
  });

  test("createRepo() refuses a duplicate name", async () => {
    await repos.createRepo("images");
    await expectRejects(repos.createRepo("images"), { code: "conflict", message: `repo "images" already exists` });
  });

  test("createRepo() refuses an invalid name", async () => {
    await expectRejects(repos.createRepo("bad name"), { code: "invalid", message: `repo name "bad name" is not valid` });
    expect(await repos.repoNames()).toEqual([]);
  });

  test("ensureRepo() creates a missing repo once and leaves an existing one alone", async () => {
    await repos.ensureRepo("edges", "pipeline", "first");
    await repos.ensureRepo("edges", "spout", "second");
    expect((await repos.findRepo("edges"))).toMatchObject({ kind: "pipeline", description: "first" });
  });

  test("listRepos() sorts by name and reports the master head and its size", async () => {
    await repos.createRepo("b");
    await repos.createRepo("a");
    const c = await putText(repos, "b", "/x", "12345");
    expect((await repos.listRepos()).map((r) => [r.name, r.head, r.sizeBytes])).toEqual([["a", null, 0], ["b", c.id, 5]]);
  });

  test("deleteRepo() removes the repo, its branches and its commits", async () => {
    await repos.createRepo("images");
    await putText(repos, "images", "/x", "1");
    await repos.deleteRepo("images");
    expect(await repos.repoNames()).toEqual([]);
    expect(await countRows(db, "commits")).toBe(0);
    expect(await countRows(db, "branches")).toBe(0);
  });
});

describe("Repos.requireRepo()", () => {
  test.each<[string, string]>([
    ["imgaes", `did you mean "images"?`],
    ["Images", `did you mean "images"?`],
    ["zzzzzzzz", "list repos with: calf list repo"],
  ])("requireRepo(%p) is not_found with a hint", async (name, hint) => {
    await repos.createRepo("images");
    await expectRejects(repos.requireRepo(name), { code: "not_found", message: `repo "${name}" does not exist`, hint });
  });
});

describe("Repos.resolve()", () => {
  let c1: string, c2: string, c3: string;
  const setup = async () => {
    await repos.createRepo("images");
    c1 = (await putText(repos, "images", "/a", "1")).id;
    c2 = (await putText(repos, "images", "/b", "2")).id;
    c3 = (await putText(repos, "images", "/c", "3")).id;
  };

  test.each<[string, (ids: string[]) => string, number]>([
    ["a branch to its head", () => "master", 2],
    ["the default ref (master)", () => "", 2],
    ["a full commit id", (ids) => ids[0]!, 0],
    ["a unique 4-character prefix", (ids) => ids[1]!.slice(0, 4), 1],
    ["master^ to the parent", () => "master^", 1],
    ["master^1 to the parent", () => "master^1", 1],
    ["master^2 to the grandparent", () => "master^2", 0],
    ["master^0 to the head", () => "master^0", 2],
    ["<id>^1 from a commit id", (ids) => `${ids[2]}^1`, 1],
    ["<prefix>^1^1 adding up the steps", (ids) => `${ids[2]!.slice(0, 6)}^1^1`, 0],
  ])("resolve() follows %s", async (_what, ref, want) => {
    await setup();
    const ids = [c1, c2, c3];
    const r = ref(ids);
    const c = r === "" ? await repos.resolve("images") : await repos.resolve("images", r);
    expect(c.id).toBe(ids[want]!);
  });

  test("resolve() walking beyond the root commit is not_found", async () => {
    await setup();
    await expectRejects(repos.resolve("images", "master^3"), { code: "not_found", message: `commit ${c1} has no ancestor 3 back (ref "master^3")` });
  });

  test("resolve() of a branch with no commits says so and how to add one", async () => {
    await repos.createRepo("images");
    await expectRejects(repos.resolve("images", "master"), {
      code: "not_found",
      message: `branch "master" of repo "images" has no commits yet`,
      hint: "put a file first: calf put file images@master:/path -f FILE",
    });
  });

  test("resolve() of a pipeline's or spout's empty output says how it gets filled, not to put a file", async () => {
    await repos.ensureRepo("counts", "pipeline");
    await repos.ensureRepo("feed", "spout");
    await expectRejects(repos.resolve("counts", "master"), { code: "not_found", message: `branch "master" of repo "counts" has no commits yet`, hint: `pipeline "counts" has not committed an output yet: run it (calf run --once), or see why not: calf list job -p counts` });
    await expectRejects(repos.resolve("feed", "master"), { code: "not_found", message: `branch "master" of repo "feed" has no commits yet`, hint: `spout "feed" has not committed an archive yet: see its log with calf logs -p feed` });
  });

  test.each<[string, (ids: string[]) => string]>([
    ["an unknown branch", () => "develop"],
    ["a 3-character prefix (too short)", (ids) => ids[0]!.slice(0, 3)],
    ["a hex prefix that matches no commit", (ids) => unusedPrefix(ids)],
  ])("resolve() of %s is not_found", async (_what, ref) => {
    await setup();
    const r = ref([c1, c2, c3]);
    await expectRejects(repos.resolve("images", r), {
      code: "not_found",
      message: `"${r}" is neither a branch nor a commit of repo "images"`,
      hint: "list commits with: calf list commit images",
    });
  });

  test("resolve() does not find another repo's commit by id", async () => {
    await setup();
    await repos.createRepo("other");
    await putText(repos, "other", "/x", "x");
    await expectRejects(repos.resolve("other", c1), { code: "not_found", message: `"${c1}" is neither a branch nor a commit of repo "other"` });
  });

  test("resolve() rejects an ambiguous id prefix", async () => {
    await repos.createRepo("images");
    const a = `abcd1${newId().slice(5)}`;
    const b = `abcd2${newId().slice(5)}`;
    await commitWithId(a);
    await commitWithId(b);
    await expectRejects(repos.resolve("images", "abcd"), {
      code: "invalid",
      message: `commit prefix "abcd" is ambiguous in repo "images"`,
      hint: "give more characters of the id",
    });
    expect((await repos.resolve("images", "abcd1")).id).toBe(a);
  });

  test("resolve() does not resolve the id of a commit that is still open", async () => {
    await repos.createRepo("images");
    const open = await repos.startCommit("images", "master");
    await putText(repos, "images", "/draft", "not yet");
    await expectRejects(repos.resolve("images", open.id), { code: "not_found", message: `"${open.id}" is neither a branch nor a commit of repo "images"` });
  });

  test("resolve() in an unknown repo suggests the closest name", async () => {
    await repos.createRepo("images");
    await expectRejects(repos.resolve("imagse", "master"), { code: "not_found", message: `repo "imagse" does not exist`, hint: `did you mean "images"?` });
  });
});

describe("Repos.startCommit() / finishCommit()", () => {
  test("startCommit() hides puts and deletes until finishCommit(), which makes one commit of them all", async () => {
    await repos.createRepo("images");
    const before = await putText(repos, "images", "/old", "o");
    const open = await repos.startCommit("images", "master");
    expect(open.finished).toBeNull();
    expect(open.parent).toBe(before.id);
    await putText(repos, "images", "/a", "A");
    await putText(repos, "images", "/b", "B");
    await repos.modify("images", "master", "user", async () => [{ path: "/old", file: null }]);

    expect((await repos.resolve("images")).id).toBe(before.id);
    expect(await fileMap(repos, await repos.resolve("images"))).toEqual({ "/old": "o" });
    expect((await repos.branchHead("images", "master"))!.id).toBe(before.id);

    const done = await repos.finishCommit("images", "master");
    expect(done.id).toBe(open.id);
    const head = await repos.resolve("images");
    expect(head.id).toBe(open.id);
    expect(head.finished).not.toBeNull();
    expect(head.parent).toBe(before.id);
    expect(await fileMap(repos, head)).toEqual({ "/a": "A", "/b": "B" });
    expect((await repos.listCommits("images", "master")).map((c) => c.id)).toEqual([open.id, before.id]);
  });

  test("puts into an open commit append to what the open commit already holds", async () => {
    await repos.createRepo("images");
    await putText(repos, "images", "/log", "1\n");
    await repos.startCommit("images", "master");
    await putText(repos, "images", "/log", "2\n");
    await putText(repos, "images", "/log", "3\n");
    await repos.finishCommit("images", "master");
    expect(await readText(repos, await repos.resolve("images"), "/log")).toBe("1\n2\n3\n");
  });

  test("startCommit() on a branch with no commits starts from the empty tree", async () => {
    await repos.createRepo("images");
    const open = await repos.startCommit("images", "master");
    expect(open.parent).toBeNull();
    await expectRejects(repos.resolve("images"), { code: "not_found", message: `branch "master" of repo "images" has no commits yet` });
    const done = await repos.finishCommit("images", "master");
    expect((await repos.resolve("images")).id).toBe(done.id);
    expect(await fileMap(repos, await repos.resolve("images"))).toEqual({});
  });

  test("startCommit() refuses a second open commit on the same branch", async () => {
    await repos.createRepo("images");
    await repos.startCommit("images", "master");
    await expectRejects(repos.startCommit("images", "master"), {
      code: "conflict",
      message: "a commit is already open on images@master",
      hint: "finish it with: calf finish commit images@master",
    });
  });

  test("startCommit() on a new branch creates it; its commits do not move master", async () => {
    await repos.createRepo("images");
    const m = await putText(repos, "images", "/m", "m");
    await repos.startCommit("images", "dev");
    await putText(repos, "images", "/d", "d", { branch: "dev" });
    const dev = await repos.finishCommit("images", "dev");
    expect((await repos.resolve("images", "dev")).id).toBe(dev.id);
    expect((await repos.resolve("images", "master")).id).toBe(m.id);
    expect(await fileMap(repos, await repos.resolve("images", "dev"))).toEqual({ "/d": "d" });
  });

  test("finishCommit() without an open commit is not_found", async () => {
    await repos.createRepo("images");
    await expectRejects(repos.finishCommit("images", "master"), {
      code: "not_found",
      message: "no commit is open on images@master",
      hint: "start one with: calf start commit images@master",
    });
  });

  test("startCommit() in an unknown repo is not_found", async () => {
    await expectRejects(repos.startCommit("nope", "master"), { code: "not_found", message: `repo "nope" does not exist` });
  });
});

describe("Repos.listCommits()", () => {
  test("listCommits() lists newest first, chained by parent, honouring the limit", async () => {
    await repos.createRepo("images");
    const ids: string[] = [];
    for (const n of ["1", "2", "3", "4"]) ids.push((await putText(repos, "images", `/${n}`, n)).id);
    const all = await repos.listCommits("images", "master");
    expect(all.map((c) => c.id)).toEqual([...ids].reverse());
    expect(all.map((c) => c.parent)).toEqual([ids[2], ids[1], ids[0], null]);
    expect(all.map((c) => c.sizeBytes)).toEqual([4, 3, 2, 1]);
    expect(all.every((c) => c.origin === "user" && c.finished !== null)).toBe(true);
    expect((await repos.listCommits("images", "master", 2)).map((c) => c.id)).toEqual([ids[3], ids[2]]);
  });

  test("listCommits() of a branch with no commits is empty", async () => {
    await repos.createRepo("images");
    expect(await repos.listCommits("images", "master")).toEqual([]);
  });
});

describe("Repos.modify() and tree rows", () => {
  test("modify() of one file in a 10k-file repo adds only the tree rows on its path", async () => {
    await repos.createRepo("big");
    // Distinct (fake) content per file, so no two directories share a node; one real object to append to.
    const changes: Change[] = [];
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) for (let c = 0; c < 100; c++) {
      const p = `/a${a}/b${b}/f${c}`;
      changes.push({ path: p, file: { hash: repos.sha256(p), size: 5 } });
    }
    const obj = await repos.store.putBytes(new TextEncoder().encode("same\n"));
    changes.push({ path: "/a4/b2/f7", file: obj });
    await repos.modify("big", "master", "user", async () => changes);
    const rowsBefore = await countRows(db, "trees");
    expect(rowsBefore).toBe(1 + 1 + 10 + 100); // empty tree + root + 10 + 100 dirs

    const c = await putText(repos, "big", "/a4/b2/f7", "more\n");
    expect(await countRows(db, "trees")).toBe(rowsBefore + 3); // new root, /a4, /a4/b2
    expect(await readText(repos, c, "/a4/b2/f7")).toBe("same\nmore\n");
    expect(c.sizeBytes).toBe(10_000 * 5 + 5);

    await putText(repos, "big", "/a9/new.txt", "n");
    expect(await countRows(db, "trees")).toBe(rowsBefore + 3 + 2);
  });

  test("modify() whose build throws changes nothing", async () => {
    await repos.createRepo("images");
    const c = await putText(repos, "images", "/a", "1");
    const rows = await countRows(db, "trees");
    await expect(repos.modify("images", "master", "user", async () => {
      throw new Error("source vanished");
    })).rejects.toThrow("source vanished");
    expect((await repos.resolve("images")).id).toBe(c.id);
    expect(await countRows(db, "commits")).toBe(1);
    expect(await countRows(db, "trees")).toBe(rows);
  });

  test("modify() on one branch runs one at a time: concurrent appends all land", async () => {
    await repos.createRepo("images");
    await Promise.all(Array.from({ length: 10 }, (_, i) => putText(repos, "images", "/log", `${i}\n`)));
    const text = (await readText(repos, await repos.resolve("images"), "/log"))!;
    expect(text.split("\n").filter(Boolean).sort()).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(await repos.listCommits("images", "master")).toHaveLength(10);
  });

  test("modify() rejects an invalid branch name", async () => {
    await repos.createRepo("images");
    await expectRejects(putText(repos, "images", "/a", "1", { branch: "no/slash" }), { code: "invalid", message: `branch name "no/slash" is not valid` });
  });
});

describe("Repos.listDir()", () => {
  test("listDir() lists one level or the whole subtree, and a file as itself", async () => {
    await repos.createRepo("images");
    await putText(repos, "images", "/d/x", "1");
    const c = await putText(repos, "images", "/d/e/y", "22");
    expect((await repos.listDir(c, "/d", false)).map((e) => e.path)).toEqual(["/d/e", "/d/x"]);
    expect((await repos.listDir(c, "/d", true)).map((e) => e.path)).toEqual(["/d/e", "/d/e/y", "/d/x"]);
    expect((await repos.listDir(c, "/d/x", false)).map((e) => [e.path, e.type, e.size])).toEqual([["/d/x", "file", 1]]);
    expect((await repos.listDir(c, "/", false)).map((e) => e.path)).toEqual(["/d"]);
  });

  test("listDir() of a missing path is not_found", async () => {
    await repos.createRepo("images");
    const c = await putText(repos, "images", "/a", "1");
    await expectRejects(repos.listDir(c, "/nope", false), { code: "not_found", message: `path "/nope" does not exist in images@${c.id}` });
  });
});
