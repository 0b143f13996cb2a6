// gc(): removes what nothing references once it is older than the grace
// period, and nothing else — not history, markers, open commits or cached
// results, and not what a put running beside it writes or reuses.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fsck } from "../../src/ops/fsck.ts";
import { gc, type GcOptions } from "../../src/ops/gc.ts";
import { openTestApp, quietOut, type TestApp } from "../helpers/app.ts";
import { calf, MAIN } from "../helpers/cli.ts";
import { fileMap } from "../helpers/repo.ts";
import { runAll, useSandboxMode } from "../helpers/run.ts";
import { writeFiles } from "../helpers/tmp.ts";
import { objectOf, populate } from "./_fixture.ts";

useSandboxMode("none");
let t: TestApp;
beforeEach(async () => {
  t = await openTestApp();
  (t.app as { out: unknown }).out = quietOut();
  await t.app.repos.createRepo("data");
  await populate(t);
});
afterEach(() => t.close());

const HOUR = 3_600_000;
const run = (opts: Partial<GcOptions> = {}) => gc(t.app, { graceMs: HOUR, now: () => Date.now(), ...opts });
const enc = (s: string) => new TextEncoder().encode(s);
const sound = async () => (await fsck(t.app, { verify: true, graceMs: HOUR, now: () => Date.now() })).problems;

/** Every file of every commit of every repo, read back (throws if an object is gone). */
async function everything(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const repo of await t.app.repos.repoNames()) {
    for (const branch of ["master", "dev"]) {
      if (!(await t.app.repos.hasBranch(repo, branch))) continue;
      const commits = [...(await t.app.repos.listCommits(repo, branch))];
      for (const c of commits) for (const [p, text] of Object.entries(await fileMap(t.app.repos, c))) out[`${repo}@${c.id}:${p}`] = text;
    }
  }
  return out;
}

/** Sets an object's mtime `ms` into the past (as if it was stored then). */
function age(hash: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  fs.utimesSync(t.app.store.localPath(hash)!, then, then);
}

describe("gc()", () => {
  test("gc() reclaims a discarded spout archive and keeps everything history, markers, open commits and the cache need", async () => {
    t.spec("bad", "pipeline: {name: bad}\ntransform: {cmd: [sh, bad.sh]}\nspout: {}\n");
    fs.writeFileSync(path.join(t.pipelinesDir, "bad.sh"), [
      'cd "$(mktemp -d -p "$PWD")"; exec 3>"$PFS_ROOT/out"',
      // Its first file is stored before calf meets the escaping entry and discards the archive;
      // the next archive's commit makes it durable (as an object nothing references).
      "echo 'bytes of a discarded archive' > dropped.txt; mkdir -p x; echo evil > x/e",
      "tar -cf - dropped.txt --transform 's,^x/e,../escape,' x/e >&3",
      "echo good > good.txt; tar -cf - good.txt >&3",
    ].join("\n"));
    const r = await runAll(t, { names: ["bad"] });
    expect(r.failed).toBe(false);
    const before = await everything();
    expect(Object.values(before)).toContain("good\n");
    const dropped = t.app.rt.sha256("bytes of a discarded archive\n");
    expect(await t.app.store.has(dropped)).toBe(true);
    age(dropped, 2 * HOUR);
    const report = await run();
    expect(report.removed).toEqual({ count: 1, bytes: 29 });
    expect(fs.existsSync(t.app.store.localPath(dropped)!)).toBe(false);
    expect(await everything()).toEqual(before);
    expect(await sound()).toEqual([]);
    // Nothing left to take: a second gc removes nothing and keeps as many.
    const again = await run({ graceMs: 0 });
    expect(again.removed.count).toBe(0);
    expect(again.referenced).toBe(report.referenced);
  });

  test("gc() keeps an unreferenced object stored or reused within the grace period, and removes it once older", async () => {
    const o = await t.app.store.putBytes(enc("orphan\n"));
    await t.app.store.flush();
    expect((await run()).young).toEqual({ count: 1, bytes: 7 });
    expect(await t.app.store.has(o.hash)).toBe(true);
    age(o.hash, 2 * HOUR);
    expect(await t.app.store.has(o.hash)).toBe(true); // a writer reuses it: its grace period starts again
    expect((await run()).removed.count).toBe(0);
    expect((await run({ now: () => Date.now() + 2 * HOUR })).removed).toEqual({ count: 1, bytes: 7 });
    expect(await sound()).toEqual([]);
  });

  test("gc() --dry-run reports what it would remove and removes nothing", async () => {
    const o = await t.app.store.putBytes(enc("orphan\n"));
    await t.app.store.flush();
    age(o.hash, 2 * HOUR);
    expect((await run({ dryRun: true })).removed).toEqual({ count: 1, bytes: 7 });
    expect(fs.existsSync(t.app.store.localPath(o.hash)!)).toBe(true);
  });

  test("gc() removes nothing when a tree node is missing (what it references is unknown)", async () => {
    const o = await t.app.store.putBytes(enc("orphan\n"));
    await t.app.store.flush();
    age(o.hash, 2 * HOUR);
    const head = (await t.app.repos.branchHead("data", "master"))!;
    const dir = (await t.app.repos.lookup(head, "/dir"))!;
    await t.app.db.write((tx) => tx.run("DELETE FROM trees WHERE hash = ?", [dir.hash]));
    await expect(run()).rejects.toThrow(`gc: tree node ${dir.hash} is missing: what it references is unknown, so nothing was removed`);
    expect(fs.existsSync(t.app.store.localPath(o.hash)!)).toBe(true);
  });

  test("gc() puts back an object a killed gc had moved aside, before judging it again", async () => {
    const a = await objectOf(t, "data", "/a");
    const aside = path.join(t.app.settings.dataDir, "tmp", `gc-999999-${(Date.now() - HOUR).toString(36)}-${a.hash}`);
    fs.renameSync(t.app.store.localPath(a.hash)!, aside);
    expect((await sound()).map((p) => p.kind)).toEqual(["object_missing"]);
    expect((await run({ graceMs: 0, processStart: () => null })).restored).toBe(1);
    expect(fs.existsSync(aside)).toBe(false);
    expect(await sound()).toEqual([]);
  });

  test("gc() beside a running put (another process) keeps what the put writes and the old unreferenced objects it reuses; the put's commit is whole", async () => {
    const src = path.join(t.dir, "src");
    const N = 3000;
    const files = Object.fromEntries(Array.from({ length: N }, (_, i) => [`d${i % 10}/f${i}`, `content ${i}\n`]));
    writeFiles(src, files);
    // Half the files' bytes are already stored, unreferenced and old: gc may take them unless the put reuses them first.
    for (let i = 0; i < N; i += 2) await t.app.store.putBytes(enc(`content ${i}\n`));
    await t.app.store.flush();
    for (let i = 0; i < N; i += 2) age(t.app.rt.sha256(`content ${i}\n`), 2 * HOUR);
    // Until the runner lock and the data commands' are split, a put needs the lock this app holds.
    t.app.lock?.release();
    const put = spawn(process.execPath, [MAIN, "put", "file", "data@master:/many", "-f", src, "-r"], {
      cwd: t.dir, env: { PATH: process.env.PATH, HOME: t.dir, CALF_DATA_DIR: t.app.settings.dataDir, CALF_PIPELINES: t.pipelinesDir }, stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    put.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => put.on("exit", resolve));
    let done = false;
    void exited.then(() => (done = true));
    // Start once the put is storing files (its temp files appear): by then it has found some of the
    // old objects stored, and references them in its commit without writing them again.
    const tmp = path.join(t.app.settings.dataDir, "tmp");
    while (!done && !fs.readdirSync(tmp).some((n) => n.startsWith("obj-"))) await new Promise((r) => setTimeout(r, 2));
    let rounds = 0;
    let removed = 0;
    while (!done || rounds === 0) {
      // A grace period longer than the put's flush-to-commit, far shorter than the age of the old objects.
      removed += (await run({ graceMs: 10_000 })).removed.count;
      rounds++;
    }
    expect({ code: await exited, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    removed += (await run({ graceMs: 10_000 })).removed.count;
    expect(rounds).toBeGreaterThan(1);
    const head = (await t.app.repos.branchHead("data", "master"))!;
    const got = await fileMap(t.app.repos, head);
    for (const [rel, text] of Object.entries(files)) expect(got[`/many/${rel}`]).toBe(text);
    expect(await sound()).toEqual([]);
    void removed;
  }, 60_000);
});

describe("calf gc", () => {
  test("calf gc reports objects and bytes reclaimed, in text and as JSON", async () => {
    const env = { CALF_DATA_DIR: t.app.settings.dataDir, CALF_PIPELINES: t.pipelinesDir };
    for (const s of ["one orphan\n", "another\n"]) age((await t.app.store.putBytes(enc(s))).hash, 0);
    await t.app.store.flush();
    const kept = calf(["gc"], { cwd: t.dir, env });
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/^removed 0 unreferenced objects \(0 B\), 0 temp files \(0 B\), 0 scratch folders \(0 B\): 0 B in all\nkept \d+ referenced objects and 2 unreferenced objects \(19 B\) stored or reused within the last 1h\n$/);
    const j = JSON.parse(calf(["gc", "--grace", "0s", "-o", "json"], { cwd: t.dir, env }).stdout);
    expect(j).toMatchObject({ dry_run: false, grace_ms: 0, removed: { objects: 2, bytes: 19 }, reclaimed_bytes: 19, young: { objects: 0 } });
    expect(calf(["gc", "--grace", "soon"], { cwd: t.dir, env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^calf: --grace: invalid duration "soon"/) });
  });
});
