// Folder-backed repos through the runner: every pass snapshots the folder
// before planning (no commit, so no job, when it did not change), one edit
// reprocesses one datum, and under a service a change in the folder wakes
// the runner and runs the job, with no other wake-up.
import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { listJobs } from "../../src/db/queries/jobs.ts";
import { runForever } from "../../src/run/scheduler.ts";
import { Waker } from "../../src/wake.ts";
import { recordingProgress, type TestApp } from "../helpers/app.ts";
import { counts, outputOf, runAll, usePipelineApps, useSandboxMode } from "../helpers/run.ts";
import { calf } from "../helpers/cli.ts";
import { removeDir, tempDir, writeFiles } from "../helpers/tmp.ts";

useSandboxMode("none");
const { setup } = usePipelineApps();

/** books.yaml: repo `books` from ../books (beside the pipelines folder), and `count` over it, one datum per file. */
const BOOKS = `repo: {name: books, source: ../books}
---
pipeline: {name: count}
transform:
  cmd: [sh, -c, 'wc -w < "$books" | tr -d " " > "$PFS_ROOT/out/\${books##*/}"']
input: {pfs: {repo: books, glob: "/*"}}
`;

async function withBooks(files: Record<string, string>): Promise<{ t: TestApp; folder: string }> {
  const t = await setup({}, []);
  const folder = path.join(t.dir, "books");
  writeFiles(folder, files);
  t.spec("books", BOOKS);
  return { t, folder };
}

describe("folder-backed repos under run --once", () => {
  test("a run snapshots the folder into its repo before planning; an unchanged folder makes no commit and no job", async () => {
    const { t } = await withBooks({ "a.txt": "one two\n", "b.txt": "three\n" });
    const r1 = await runAll(t);
    expect(r1.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
    expect(await outputOf(t, "books")).toEqual({ "/a.txt": "one two\n", "/b.txt": "three\n" });
    expect(await outputOf(t, "count")).toEqual({ "/a.txt": "2\n", "/b.txt": "1\n" });
    expect(r1.progress.commits.filter((c) => c.startsWith("books@")).length).toBe(1);
    const r2 = await runAll(t);
    expect(r2.jobs).toEqual([]);
    expect((await t.app.repos.listCommits("books", "master")).length).toBe(1);
  });

  test("one file changed and another touched: one commit, exactly one datum processed; a deleted file's output goes", async () => {
    const { t, folder } = await withBooks({ "a.txt": "one two\n", "b.txt": "three\n", "c.txt": "x\n" });
    await runAll(t);
    fs.writeFileSync(path.join(folder, "a.txt"), "one two three four\n");
    const later = new Date(Date.now() + 3000);
    fs.utimesSync(path.join(folder, "b.txt"), later, later);
    const r = await runAll(t);
    expect(r.jobs.map(counts)).toEqual([["success", 1, 2, 0]]);
    expect((await outputOf(t, "count"))["/a.txt"]).toBe("4\n");
    fs.rmSync(path.join(folder, "c.txt"));
    const r3 = await runAll(t);
    expect(r3.jobs.map(counts)).toEqual([["success", 0, 2, 0]]);
    expect(Object.keys(await outputOf(t, "count")).sort()).toEqual(["/a.txt", "/b.txt"]);
  });

  test("calf lint and calf run --once refuse a missing source folder: exit 2, the file:line:col, the folder and where it is looked for", () => {
    const cwd = tempDir();
    try {
      fs.mkdirSync(path.join(cwd, "pipelines"));
      fs.writeFileSync(path.join(cwd, "pipelines", "books.yaml"), "repo: {name: books, source: ../books}\n");
      const want = `calf: pipelines/books.yaml:1:29: repo.source: folder "${path.join(cwd, "books")}" does not exist (create it, or fix the path: it is relative to ${path.join(cwd, "pipelines")})\n`;
      for (const args of [["lint"], ["run", "--once"]]) {
        const r = calf(args, { cwd });
        expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 2, stderr: want, stdout: "" });
      }
      expect(JSON.parse(calf(["list", "repo", "-o", "json"], { cwd }).stdout)).toEqual([]);
    } finally {
      removeDir(cwd);
    }
  });

  test("a missing source folder is a spec error naming the folder: nothing runs", async () => {
    const t = await setup({}, []);
    t.spec("books", BOOKS);
    await expect(runAll(t)).rejects.toThrow(`books.yaml:1:29: repo.source: folder "${path.join(t.dir, "books")}" does not exist`);
    expect(await t.app.repos.repoNames()).toEqual([]);
  });
});

describe("folder-backed repos under a service", () => {
  test("a change in the folder wakes the runner (no poll, no data command) and its job runs", async () => {
    const { t, folder } = await withBooks({ "a.txt": "one\n" });
    t.app.db.afterWrite = null; // as in a runner: its own writes do not wake it
    const waker = new Waker(t.app.clock, { dataDir: t.app.settings.dataDir, folders: [t.app.settings.pipelinesDir] });
    const stop = new AbortController();
    const errors: unknown[] = [];
    // A poll of an hour: only a wake-up can start the second pass.
    const service = runForever(t.app, {
      names: [], reprocess: false, observer: recordingProgress(), signal: stop.signal, waker, pollMs: 3_600_000, onError: (e) => void errors.push(e),
    });
    const jobs = async () => (await listJobs(t.app.db, { pipeline: "count" })).filter((j) => j.state === "success").length;
    const until = async (what: () => Promise<boolean>) => {
      for (let i = 0; i < 500 && !(await what()); i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await until(async () => (await jobs()) === 1);
      expect(await jobs()).toBe(1);
      await new Promise((r) => setTimeout(r, 100)); // the first pass has ended and the runner waits
      fs.writeFileSync(path.join(folder, "b.txt"), "two words\n");
      await until(async () => (await jobs()) === 2);
      expect(await jobs()).toBe(2);
      expect(await outputOf(t, "count")).toEqual({ "/a.txt": "1\n", "/b.txt": "2\n" });
    } finally {
      stop.abort();
      await service;
      waker.close();
    }
    expect(errors).toEqual([]);
  }, 30_000);
});
