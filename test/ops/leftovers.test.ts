// findLeftovers() and reclaim(): a temp file is a leftover once its writer is
// gone, or its pid now names a process that started after the file was named;
// scratch folders are a runner's; a killed gc's aside object goes back. And a
// runner's start (calf run --once) cleans up without touching a live writer's files.
import { afterEach, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { findLeftovers, procStart, reclaim, type ProcessStart } from "../../src/ops/leftovers.ts";
import { calf } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));

const HOUR = 3_600_000;
const NOW = Date.now();
const JOB_DONE = "a".repeat(32);
const JOB_RUNNING = "b".repeat(32);

function dataDir(): string {
  const d = path.join(tempDir(), "data");
  dirs.push(path.dirname(d));
  for (const sub of ["tmp", "scratch", "objects"]) fs.mkdirSync(path.join(d, sub), { recursive: true });
  return d;
}

const put = (d: string, rel: string, text = "x") => {
  fs.mkdirSync(path.dirname(path.join(d, rel)), { recursive: true });
  fs.writeFileSync(path.join(d, rel), text);
};
const temp = (pid: number, at: number, n = 0) => `tmp/obj-${pid}-${at.toString(36)}-${n}`;

/** pid 100: no such process; pid 200: started an hour ago; pid 300: started just now (a reused pid for older names). */
const procs: ProcessStart = (pid) => ({ 200: NOW - HOUR, 300: NOW } as Record<number, number>)[pid] ?? null;
const states = async (ids: string[]) => new Map(ids.flatMap((id) => (id === JOB_DONE ? [[id, "success"]] : id === JOB_RUNNING ? [[id, "running"]] : [])) as [string, string][]);
const names = (d: string, l: { path: string }[]) => l.map((x) => path.relative(d, x.path)).sort();

describe("findLeftovers()", () => {
  test("findLeftovers() takes a temp file whose writer is gone or whose pid was reused since, and keeps a live writer's", async () => {
    const d = dataDir();
    const files = [temp(100, NOW - 1000), temp(200, NOW - 1000), temp(300, NOW - HOUR), temp(300, NOW + 500), "tmp/not-ours"];
    for (const f of files) put(d, f, "12345");
    const got = await findLeftovers({ dataDir: d, runnerHeld: false, jobStates: states, processStart: procs });
    expect(names(d, got)).toEqual([temp(100, NOW - 1000), temp(300, NOW - HOUR)].sort());
    expect(got.every((l) => l.kind === "temp" && l.bytes === 5)).toBe(true);
  });

  test("findLeftovers() judges the S3 store's spool files (tmp/s3-<pid>-<opened at>-<n>) as it judges temp objects", async () => {
    const d = dataDir();
    const spool = (pid: number, at: number) => `tmp/s3-${pid}-${at.toString(36)}-7`;
    for (const f of [spool(100, NOW - 1000), spool(200, NOW - 1000), spool(300, NOW - HOUR)]) put(d, f, "123");
    const got = await findLeftovers({ dataDir: d, runnerHeld: false, jobStates: states, processStart: procs });
    expect(names(d, got)).toEqual([spool(100, NOW - 1000), spool(300, NOW - HOUR)].sort());
  });

  test("findLeftovers() with the runner lock held takes every scratch folder", async () => {
    const d = dataDir();
    put(d, `scratch/${JOB_RUNNING}/0/x`);
    put(d, "scratch/spout-feed-0123456789ab/pfs/y");
    const got = await findLeftovers({ dataDir: d, runnerHeld: true, jobStates: states, processStart: procs });
    expect(names(d, got)).toEqual([`scratch/${JOB_RUNNING}`, "scratch/spout-feed-0123456789ab"]);
  });

  test("findLeftovers() without the lock keeps a live runner's scratch (running jobs, spouts) and takes a finished job's, or all once the runner is gone", async () => {
    const d = dataDir();
    for (const n of [JOB_DONE, JOB_RUNNING, "spout-feed-0123456789ab"]) put(d, `scratch/${n}/f`, "123");
    fs.writeFileSync(path.join(d, "lock"), "200\n");
    const live = await findLeftovers({ dataDir: d, runnerHeld: false, jobStates: states, processStart: procs });
    expect(names(d, live)).toEqual([`scratch/${JOB_DONE}`]);
    expect(live[0]).toMatchObject({ kind: "scratch", bytes: 3 });
    fs.writeFileSync(path.join(d, "lock"), "100\n");
    expect(names(d, await findLeftovers({ dataDir: d, runnerHeld: false, jobStates: states, processStart: procs }))).toEqual(
      [JOB_DONE, JOB_RUNNING, "spout-feed-0123456789ab"].map((n) => `scratch/${n}`),
    );
  });

  test("procStart() gives this process's start (in the past, within its run time) and null for a process that is gone", () => {
    const mine = procStart(process.pid)!;
    expect(mine).toBeLessThanOrEqual(Date.now() + 1000);
    expect(mine).toBeGreaterThan(Date.now() - performance.now() - 5000);
    const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    expect(procStart(Number(gone.stdout.trim()))).toBeNull();
  });
});

describe("reclaim()", () => {
  test("reclaim() removes temp files and scratch folders and puts an aside object back where it was", () => {
    const d = dataDir();
    const hash = "ab" + "c".repeat(62);
    put(d, `tmp/gc-100-${(NOW - HOUR).toString(36)}-${hash}`, "object bytes");
    put(d, temp(100, NOW));
    put(d, `scratch/${JOB_DONE}/deep/file`);
    const r = reclaim([
      { path: path.join(d, `tmp/gc-100-${(NOW - HOUR).toString(36)}-${hash}`), kind: "aside", bytes: 12 },
      { path: path.join(d, temp(100, NOW)), kind: "temp", bytes: 1 },
      { path: path.join(d, "scratch", JOB_DONE), kind: "scratch", bytes: 1 },
    ], d);
    expect(r).toEqual({ removed: 2, restored: 1, bytes: 2 });
    expect(fs.readFileSync(path.join(d, "objects", "ab", "c".repeat(62)), "utf8")).toBe("object bytes");
    expect(fs.readdirSync(path.join(d, "tmp"))).toEqual([]);
    expect(fs.readdirSync(path.join(d, "scratch"))).toEqual([]);
  });
});

describe("calf run at its start", () => {
  test("calf run --once removes the temp files and scratch folders a killed calf left, and keeps a live writer's temp file", async () => {
    const cwd = tempDir();
    dirs.push(cwd);
    fs.mkdirSync(path.join(cwd, "pipelines"));
    expect(calf(["create", "repo", "r"], { cwd }).code).toBe(0);
    const d = path.join(cwd, ".calf");
    const dead = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
    const writer = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const deadFiles = [0, 1, 2].map((n) => temp(Number(dead), Date.now() - 5000, n));
      for (const f of deadFiles) put(d, f, "half an object");
      const live = temp(writer.pid!, Date.now() + 1000);
      put(d, live, "a put still writing");
      put(d, `scratch/${JOB_DONE}/0/pfs/out/x`, "output of a killed job");
      put(d, "scratch/spout-feed-0123456789ab/pfs/offset", "7");
      const r = calf(["run", "--once"], { cwd });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("calf: removed 3 temp files and 2 scratch folders (");
      expect(fs.readdirSync(path.join(d, "tmp"))).toEqual([path.basename(live)]);
      expect(fs.readdirSync(path.join(d, "scratch"))).toEqual([]);
      expect(calf(["run", "--once"], { cwd }).stderr).not.toContain("removed");
    } finally {
      writer.kill("SIGKILL");
    }
  });
});
