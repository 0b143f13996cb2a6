// fsck(): a sound data dir is clean; each kind of damage is one problem that
// names what is bad and the repo, commit and path (or marker, or cached result)
// that uses it; unreferenced objects and leftovers are reported, not problems,
// and repair removes them and nothing anything references.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { fsck, type FsckReport } from "../../src/ops/fsck.ts";
import { openTestApp, quietOut, type TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { useSandboxMode } from "../helpers/run.ts";
import { calf } from "../helpers/cli.ts";
import { corrupt, objectOf, populate } from "./_fixture.ts";

useSandboxMode("none");
let t: TestApp;
beforeEach(async () => {
  t = await openTestApp();
  (t.app as { out: unknown }).out = quietOut();
  await t.app.repos.createRepo("data");
  await populate(t);
});
afterEach(() => t.close());

const check = (opts: Partial<Parameters<typeof fsck>[1]> = {}) => fsck(t.app, { verify: true, graceMs: 3_600_000, now: () => Date.now(), ...opts });
const kinds = (r: FsckReport) => r.problems.map((p) => p.kind);
const sql = (q: string, args: string[] = []) => t.app.db.write((tx) => tx.run(q, args));

describe("fsck()", () => {
  test("fsck() finds nothing wrong in a data dir with commits, an open commit, a job's results and index, and a spout marker", async () => {
    const r = await check();
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    // data: 2 commits + 1 open; copy: 1; feed: 1.
    expect(r.checked).toMatchObject({ commits: 5, markers: 1, results: 2, verified: true });
    // A, B, the open file, copy's two outputs (same bytes as A and B), the spout's file and its marker.
    expect(r.checked.objects).toBe(5);
    expect(r.unreferenced.count).toBe(0);
  });

  test("fsck() finds an object corrupted on disk and names the repo, commit and path of every commit that uses it, newest first", async () => {
    const b = await objectOf(t, "data", "/dir/b");
    corrupt(t, b.hash, "C\n"); // same size: only re-hashing finds it
    const r = await check();
    expect(kinds(r)).toEqual(["object_corrupt"]);
    const p = r.problems[0]!;
    expect(p.object).toBe(b.hash);
    // The newest use first (copy's output, made after data's head), then "and N more".
    expect(p.message).toMatch(new RegExp(`^object ${b.hash}: corrupt: its bytes hash to [0-9a-f]{64}: used by copy@[0-9a-f]{32}:/dir/b \\(and 2 more\\)$`));
    // The head of data (not its first commit, nor the open commit on the new branch dev), copy's output, its cached result.
    expect(p.uses).toContainEqual({ kind: "commit", repo: "data", commit: b.commit, path: "/dir/b", open: false });
    expect(p.uses).toContainEqual(expect.objectContaining({ kind: "commit", repo: "copy", path: "/dir/b" }));
    expect(p.uses).toContainEqual(expect.objectContaining({ kind: "result", pipeline: "copy", path: "/dir/b" }));
    expect(p.total_uses).toBe(3);
    expect((await check({ verify: false })).problems).toEqual([]); // --quick checks sizes only
  });

  test("fsck() reports a missing object and an object whose size is not the recorded one, even with --quick", async () => {
    const a = await objectOf(t, "data", "/a");
    const open = await objectOf(t, "data", "/open.txt", "dev");
    fs.rmSync(t.app.store.localPath(a.hash)!);
    corrupt(t, open.hash, "shorter\n");
    const r = await check({ verify: false });
    expect(kinds(r).sort()).toEqual(["object_missing", "object_size"]);
    const missing = r.problems.find((p) => p.kind === "object_missing")!;
    expect(missing.message).toMatch(new RegExp(`^object ${a.hash}: missing from the object store: used by copy@[0-9a-f]+:/a \\(and 3 more\\)$`));
    const size = r.problems.find((p) => p.kind === "object_size")!;
    expect(size.message).toMatch(/stored with 8 bytes, the metadata says 23: used by data@[0-9a-f]+:\/open.txt \(open commit\)$/);
  });

  test("fsck() names a spout marker's object and a cached result's object when only they use it", async () => {
    const marker = (await t.app.db.get<{ tree: string; size_bytes: number }>("SELECT tree, size_bytes FROM spout_markers WHERE pipeline = 'feed'"))!;
    const offset = (await t.app.repos.listAll({ tree: marker.tree, sizeBytes: Number(marker.size_bytes) })).find((e) => e.path === "/offset")!;
    fs.rmSync(t.app.store.localPath(offset.hash)!);
    const r = await check();
    expect(r.problems.map((p) => p.message)).toEqual([`object ${offset.hash}: missing from the object store: used by the marker of spout feed:/offset`]);
  });

  test("fsck() reports a tree node missing from the database, or whose body does not hash to its name, with the commit and folder that use it", async () => {
    const head = (await t.app.repos.branchHead("data", "master"))!;
    const dir = (await t.app.repos.lookup(head, "/dir"))!;
    await sql("UPDATE trees SET body = ? WHERE hash = ?", ['[["b","f","0000","2"]]', dir.hash]);
    let r = await check();
    expect(kinds(r)).toEqual(["node_corrupt"]);
    expect(r.problems[0]!.message).toMatch(new RegExp(`^tree node ${dir.hash}: tree node corrupt \\(its body does not hash to its name\\): used by (data|copy)@`));
    expect(r.problems[0]!.uses).toContainEqual({ kind: "commit", repo: "data", commit: head.id, path: "/dir", open: false });
    await sql("DELETE FROM trees WHERE hash = ?", [dir.hash]);
    r = await check();
    expect(kinds(r)).toEqual(["node_missing"]);
  });

  test("fsck() reports branch heads that are open, missing or of another repo; parents and markers that name no commit; a successful job without its output", async () => {
    const open = (await t.app.repos.openCommit("data", "dev"))!;
    await sql("INSERT INTO branches (repo, name, head) VALUES ('data', 'half', ?)", [open.id]);
    await sql("INSERT INTO branches (repo, name, head) VALUES ('data', 'gone', 'ffffffffffffffffffffffffffffffff')");
    const copyHead = (await t.app.repos.branchHead("copy", "master"))!;
    await sql("INSERT INTO branches (repo, name, head) VALUES ('data', 'alien', ?)", [copyHead.id]);
    await sql("UPDATE spout_markers SET commit_id = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'");
    const second = (await t.app.repos.listCommits("data", "master"))[0]!;
    await sql("UPDATE commits SET parent = 'dddddddddddddddddddddddddddddddd' WHERE id = ?", [second.id]);
    await sql("UPDATE jobs SET output_commit = 'cccccccccccccccccccccccccccccccc' WHERE pipeline = 'copy'");
    const r = await check();
    const job = (await t.app.db.get<{ id: string }>("SELECT id FROM jobs WHERE pipeline = 'copy'"))!.id;
    expect(r.problems.map((p) => p.message).sort()).toEqual([
      `branch data@alien: head ${copyHead.id} is a commit of repo copy`,
      "branch data@gone: head ffffffffffffffffffffffffffffffff does not exist",
      `branch data@half: head ${open.id} is an open commit, not a finished one`,
      `commit ${second.id} of data: parent dddddddddddddddddddddddddddddddd does not exist`,
      `datum index of copy: output commit cccccccccccccccccccccccccccccccc of job ${job} does not exist`,
      `job ${job} of copy succeeded, but its output commit cccccccccccccccccccccccccccccccc does not exist`,
      "marker of spout feed: commit eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee does not exist",
    ]);
  });

  test("fsck() reports a datum index naming an output path its job's output commit does not hold", async () => {
    await sql("UPDATE datum_index SET outputs = '[\"/dir/b\",\"/ghost\"]' WHERE pipeline = 'copy' AND outputs = '[\"/dir/b\"]'");
    const r = await check();
    expect(r.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^datum index of copy: datum [0-9a-f]+ wrote \/ghost, which output commit [0-9a-f]+ of job [0-9a-f]+ does not hold$/)]);
  });

  test("fsck() reports unreferenced objects and leftovers without calling them problems; repair removes them and nothing referenced", async () => {
    // An object nothing references (a failed put's), a dead writer's temp file, a finished job's scratch folder.
    await t.app.store.putBytes(new TextEncoder().encode("orphan\n"));
    await t.app.store.flush();
    const tmp = path.join(t.app.settings.dataDir, "tmp", `obj-999999-${(Date.now() - 60_000).toString(36)}-0`);
    fs.writeFileSync(tmp, "half written");
    const job = (await t.app.db.get<{ id: string }>("SELECT id FROM jobs WHERE pipeline = 'copy'"))!.id;
    fs.mkdirSync(path.join(t.app.settings.dataDir, "scratch", job, "0"), { recursive: true });
    fs.writeFileSync(path.join(t.app.settings.dataDir, "scratch", job, "0", "x"), "12345");
    const before = await check();
    expect(before.ok).toBe(true);
    expect(before.unreferenced).toEqual({ count: 1, bytes: 7, young: 1 });
    expect(before.leftovers).toEqual({ temp: { count: 1, bytes: 12 }, scratch: { count: 1, bytes: 5 }, aside: 0 });
    // Within the grace period the orphan stays; with none it goes.
    expect((await check({ repair: true })).repaired).toEqual({ objects: { count: 0, bytes: 0 }, temp: 1, scratch: 1, restored: 0 });
    expect(fs.existsSync(tmp)).toBe(false);
    expect((await check({ repair: true, graceMs: 0 })).repaired!.objects).toEqual({ count: 1, bytes: 7 });
    const after = await check();
    expect(after.ok).toBe(true);
    expect(after.unreferenced.count).toBe(0);
    expect(after.checked.objects).toBe(before.checked.objects);
  });
});

describe("calf fsck", () => {
  test("calf fsck exits 0 on a sound data dir and 1 with a problem: line per problem and one closing error line", async () => {
    await putText(t.app.repos, "data", "/c", "C\n");
    const cwd = t.dir;
    const env = { CALF_DATA_DIR: t.app.settings.dataDir, CALF_PIPELINES: t.pipelinesDir };
    const ok = calf(["fsck"], { cwd, env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^checked: the database, 6 commits, 1 spout marker, 2 cached datum results, \d+ tree nodes, 6 objects \(\d+ B, each re-hashed\)\nunreferenced: none\nleftovers: none\n$/);
    const c = await objectOf(t, "data", "/c");
    corrupt(t, c.hash, "c\n");
    const bad = calf(["fsck"], { cwd, env });
    expect(bad.code).toBe(1);
    expect(bad.stdout.split("\n")[0]).toBe(`problem: object ${c.hash}: corrupt: its bytes hash to ${new Bun.CryptoHasher("sha256").update("c\n").digest("hex")}: used by data@${c.commit}:/c`);
    expect(bad.stderr.split("\n")[0]).toBe(`calf: fsck: 1 problem in ${t.app.settings.dataDir} (the problem: lines above)`);
    const j = JSON.parse(calf(["fsck", "-o", "json"], { cwd, env }).stdout);
    expect(j).toMatchObject({ ok: false, problems: [{ kind: "object_corrupt", object: c.hash, uses: [{ kind: "commit", repo: "data", commit: c.commit, path: "/c" }] }] });
  });
});
