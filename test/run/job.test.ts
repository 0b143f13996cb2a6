import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { listDatums, listJobs } from "../../src/db/queries/jobs.ts";
import { deleteFile } from "../../src/repo/files.ts";
import type { TestApp } from "../helpers/app.ts";
import { stillRunningAfter } from "../helpers/procs.ts";
import { putText } from "../helpers/repo.ts";
import { bwrapWorks, counts, outputOf, runAll, usePipelineApps, useSandboxMode, withSandboxMode } from "../helpers/run.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

// Transforms run unsandboxed (CALF_SANDBOX=none) for speed; the bwrap path has its own test below.
useSandboxMode("none");

const { setup, closeAll } = usePipelineApps();

const run = runAll;
const head = (t: TestApp, repo: string) => t.app.repos.branchHead(repo, "master");

/** Conformance one-to-many, plus `cat` of every input into /all: each input file fans out into several output files. */
const FAN = `pipeline: {name: fan}
transform:
  cmd: [sh]
  stdin:
    - "for f in /pfs/data/*; do n=$(basename $f); cat $f >> /pfs/out/all; for o in $(cat $f); do echo $n >> /pfs/out/$o; done; done"
input: {pfs: {repo: data, glob: "/*"}}
`;

/** What FAN must output for input files `state` (name -> content): parts appended in input-path order. */
function fanModel(state: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const names = [...state.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const n of names) {
    const content = state.get(n)!;
    out["/all"] = (out["/all"] ?? "") + content;
    for (const w of content.split(/\s+/).filter(Boolean)) out[`/${w}`] = (out[`/${w}`] ?? "") + `${n}\n`;
  }
  return out;
}

describe("runJob() via runOnce()", () => {
  test("runJob() merges a one-to-many transform in input-path order and reprocesses only changed datums", async () => {
    const t = await setup({ fan: FAN });
    const repos = t.app.repos;
    await repos.startCommit("data", "master");
    await putText(repos, "data", "/d1", "1 2\n");
    await putText(repos, "data", "/d2", "2 3\n");
    await putText(repos, "data", "/d3", "1 3\n");
    await repos.finishCommit("data", "master");

    const r1 = await run(t);
    expect(r1.jobs.map(counts)).toEqual([["success", 3, 0, 0]]);
    expect(await outputOf(t, "fan")).toEqual({ "/1": "d1\nd3\n", "/2": "d1\nd2\n", "/3": "d2\nd3\n", "/all": "1 2\n2 3\n1 3\n" });

    await putText(repos, "data", "/d2", "1 3 4\n", { overwrite: true });
    const r2 = await run(t);
    expect(r2.jobs.map(counts)).toEqual([["success", 1, 2, 0]]);
    expect(await outputOf(t, "fan")).toEqual({ "/1": "d1\nd2\nd3\n", "/2": "d1\n", "/3": "d2\nd3\n", "/4": "d2\n", "/all": "1 2\n1 3 4\n1 3\n" });

    const c2 = (await head(t, "fan"))!;
    expect(c2.origin).toBe("job");
    expect(c2.job).toBe(r2.jobs[0]!.id);
    expect(c2.id).toBe(r2.jobs[0]!.outputCommit!);
    expect(c2.parent).toBe(r1.jobs[0]!.outputCommit);
    expect(c2.provenance).toEqual([{ repo: "data", commit: (await head(t, "data"))!.id }]);
  });

  test("runJob() reports progress: start with totals, one datum call per processed datum, finish with the job", async () => {
    const t = await setup({ fan: FAN });
    await putText(t.app.repos, "data", "/a", "x\n");
    await putText(t.app.repos, "data", "/b", "y\n");
    await run(t);
    await putText(t.app.repos, "data", "/b", "z\n", { overwrite: true });
    const { progress, jobs } = await run(t);
    expect(progress.starts).toEqual([{ pipeline: "fan", job: jobs[0]!.id, total: 2, toProcess: 1 }]);
    expect(progress.datums).toEqual([{ pipeline: "fan", state: "success" }]);
    expect(progress.finished.map((j) => j.id)).toEqual([jobs[0]!.id]);
  });

  test("runJob() of a commit with no files succeeds with an empty output commit", async () => {
    const t = await setup({ fan: FAN });
    await t.app.repos.startCommit("data", "master");
    await t.app.repos.finishCommit("data", "master");
    const { jobs } = await run(t);
    expect(jobs.map(counts)).toEqual([["success", 0, 0, 0]]);
    expect((await head(t, "fan"))!.id).toBe(jobs[0]!.outputCommit!);
    expect(await outputOf(t, "fan")).toEqual({});
  });

  test("runJob() takes a deleted input's parts out of the output", async () => {
    const t = await setup({ fan: FAN });
    await putText(t.app.repos, "data", "/d1", "1\n");
    await putText(t.app.repos, "data", "/d2", "1 2\n");
    await run(t);
    await deleteFile(t.app.repos, "data", "master", "/d2");
    const { jobs } = await run(t);
    expect(jobs.map(counts)).toEqual([["success", 0, 1, 0]]);
    expect(await outputOf(t, "fan")).toEqual({ "/1": "d1\n", "/all": "1\n" });
  });

  test("runJob() that fails makes no output commit, leaves the branch alone and names the failed datum", async () => {
    const strict = `pipeline: {name: strict}
transform:
  cmd: [sh]
  stdin: ["f=$(basename $data)", "grep -q boom $data && { echo \\"cannot handle $f\\" >&2; exit 3; }", "cp $data /pfs/out/$f"]
input: {pfs: {repo: data, glob: "/*"}}
datum_tries: 2
`;
    const down = `pipeline: {name: down}
transform: {cmd: [sh], stdin: ["cp -r /pfs/strict/* /pfs/out/ 2>/dev/null || true"]}
input: {pfs: {repo: strict, glob: "/"}}
`;
    const t = await setup({ strict, down });
    const repos = t.app.repos;
    await putText(repos, "data", "/good1", "ok");
    const first = await run(t);
    expect(first.jobs.map((j) => [j.pipeline, j.state])).toEqual([["strict", "success"], ["down", "success"]]);
    const strictHead = (await head(t, "strict"))!.id;
    const downHead = (await head(t, "down"))!.id;

    await repos.startCommit("data", "master");
    await putText(repos, "data", "/bad", "boom");
    await putText(repos, "data", "/good2", "ok");
    await repos.finishCommit("data", "master");
    const second = await run(t);
    expect(second.failed).toBe(true);
    const [job, ...rest] = second.jobs;
    expect(rest).toEqual([]); // strict did not move, so down is not due
    expect(counts(job!)).toEqual(["failure", 1, 1, 1]);
    expect(job!.outputCommit).toBeNull();
    expect(job!.reason).toMatch(/^datum [0-9a-f]+ \(\/bad\) failed: exit 3/);
    expect(job!.reason).toContain("cannot handle bad");
    expect((await head(t, "strict"))!.id).toBe(strictHead);
    expect(await repos.listCommits("strict", "master")).toHaveLength(1);
    expect((await head(t, "down"))!.id).toBe(downHead);
    const datums = await listDatums(t.app.db, job!.id);
    expect(datums.filter((d) => d.state === "failed").map((d) => [d.inputs[0]!.path, d.tries])).toEqual([["/bad", 2]]);

    await putText(repos, "data", "/bad", "fine", { overwrite: true });
    const third = await run(t);
    expect(third.jobs.map(counts)).toEqual([["success", 1, 2, 0], ["success", 1, 0, 0]]);
    expect(await outputOf(t, "strict")).toEqual({ "/bad": "fine", "/good1": "ok", "/good2": "ok" });
  });

  test("runJob() leaves no transform process running after its datum", async () => {
    const dir = tempDir();
    try {
      const pidFile = path.join(dir, "bg.pid");
      const spec = `pipeline: {name: bg}
transform:
  cmd: [sh, -c, "sleep 300 & echo $! > $PIDFILE; echo x > /pfs/out/x"]
  env: {PIDFILE: ${JSON.stringify(pidFile)}}
input: {pfs: {repo: data, glob: "/"}}
`;
      const t = await setup({ bg: spec });
      await putText(t.app.repos, "data", "/a", "1");
      const { jobs } = await run(t);
      expect(jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
      expect(await outputOf(t, "bg")).toEqual({ "/x": "x\n" });
      const pid = Number(fs.readFileSync(pidFile, "utf8"));
      expect(pid).toBeGreaterThan(1);
      const alive = await stillRunningAfter(pid, 500);
      if (alive) process.kill(pid, "SIGKILL"); // do not leave it behind when the check fails
      expect(alive).toBe(false);
    } finally {
      removeDir(dir);
    }
  });

  test.skipIf(!bwrapWorks)("runJob() under bwrap gives the same output as unsandboxed, with /pfs holding exactly the datum", async () => {
    const probe = `pipeline: {name: probe}
transform:
  cmd: [sh]
  stdin:
    - "l=$(mktemp); ls -R /pfs | grep -v '^$' > $l; mv $l /pfs/out/pfs-$(basename $data)"
    - "echo $PFS_ROOT > /pfs/out/root-$(basename $data)"
    - "echo tampered 2>/dev/null >> $data && echo writable > /pfs/out/leak-$(basename $data) || true"
input: {pfs: {repo: data, glob: "/*"}}
`;
    const results: Record<string, string>[] = [];
    for (const mode of ["bwrap", "none"]) {
      const t = await setup({ fan: FAN, probe });
      await putText(t.app.repos, "data", "/d1", "1 2\n");
      await putText(t.app.repos, "data", "/d2", "2\n");
      const { jobs } = await withSandboxMode(mode, () => run(t));
      expect(jobs.map(counts)).toEqual([["success", 2, 0, 0], ["success", 2, 0, 0]]);
      results.push(await outputOf(t, "fan"));
      const p = await outputOf(t, "probe");
      if (mode === "bwrap") {
        expect(p["/root-d1"]).toBe("/pfs\n");
        expect(p["/pfs-d1"]).toBe("/pfs:\ndata\nout\n/pfs/data:\nd1\n/pfs/out:\n");
        expect(p["/leak-d1"]).toBeUndefined(); // inputs are read-only binds, even for root
      } else {
        expect(p["/root-d1"]).not.toBe("/pfs\n");
      }
      // Whatever the transform managed to write, the stored input is untouched (copies, never hardlinks).
      expect(await outputOf(t, "data")).toEqual({ "/d1": "1 2\n", "/d2": "2\n" });
      const d1 = (await t.app.repos.lookup((await head(t, "data"))!, "/d1"))!;
      expect(fs.readFileSync(t.app.store.localPath(d1.hash)!, "utf8")).toBe("1 2\n");
    }
    expect(results[0]).toEqual(results[1]!);
    expect(results[0]).toEqual({ "/1": "d1\n", "/2": "d1\nd2\n", "/all": "1 2\n2\n" });
  });

  test("runJob() gives each attempt a fresh /pfs/out and keeps only the successful attempt's files", async () => {
    const dir = tempDir();
    try {
      const counter = path.join(dir, "attempts");
      const flaky = `pipeline: {name: flaky}
transform:
  cmd: [sh]
  stdin:
    - "echo . >> $COUNTER; n=$(wc -l < $COUNTER)"
    - "c=$(ls -A /pfs/out | wc -l | tr -d ' '); echo $c > /pfs/out/seen-$n"
    - "[ $n -ge 2 ] || { echo partial > /pfs/out/partial; exit 1; }"
  env: {COUNTER: ${JSON.stringify(counter)}}
input: {pfs: {repo: data, glob: "/"}}
datum_tries: 3
`;
      const t = await setup({ flaky });
      await putText(t.app.repos, "data", "/a", "1");
      const { jobs } = await run(t);
      expect(jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
      expect(await outputOf(t, "flaky")).toEqual({ "/seen-2": "0\n" }); // attempt 2 saw an empty /pfs/out
      expect((await listDatums(t.app.db, jobs[0]!.id)).map((d) => d.tries)).toEqual([2]);
    } finally {
      removeDir(dir);
    }
  });

  test.each<[string, string]>([
    ["bwrap", "ln -s /pfs/data/d1 /pfs/out/abs"],
    ["none", "ln -s ../data/d1 /pfs/out/rel"],
  ])("runJob() (CALF_SANDBOX=%s) stores a symlink to an input file as that file's bytes: %s", async (mode, line) => {
    if (mode === "bwrap" && !bwrapWorks) return;
    const link = `pipeline: {name: link}\ntransform: {cmd: [sh], stdin: [${JSON.stringify(line)}]}\ninput: {pfs: {repo: data, glob: "/"}}\ndatum_tries: 1\n`;
    const t = await setup({ link });
    await putText(t.app.repos, "data", "/d1", "bytes\n");
    const { jobs } = await withSandboxMode(mode, () => run(t));
    expect(jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
    expect(Object.values(await outputOf(t, "link"))).toEqual(["bytes\n"]);
  });

  test("runJob() without a sandbox stores an absolute symlink to an input file (as written via /pfs or $data)", async () => {
    const link = `pipeline: {name: link}\ntransform: {cmd: [sh], stdin: ["ln -s /pfs/data/d1 /pfs/out/abs", "ln -s $data /pfs/out/env"]}\ninput: {pfs: {repo: data, glob: "/*"}}\ndatum_tries: 1\n`;
    const t = await setup({ link });
    await putText(t.app.repos, "data", "/d1", "bytes\n");
    const { jobs } = await withSandboxMode("none", () => run(t));
    expect(jobs.map((j) => [j.state, j.reason])).toEqual([["success", null]]);
    expect(await outputOf(t, "link")).toEqual({ "/abs": "bytes\n", "/env": "bytes\n" });
  });

  test("runJob() past job_timeout ends killed with no output commit; its finished datums are skipped next time", async () => {
    const dir = tempDir();
    try {
      const mark = path.join(dir, "slept");
      const slow = `pipeline: {name: slow}
transform:
  cmd: [sh]
  stdin:
    - "if [ $(basename $data) = b ] && [ ! -e $MARK ]; then touch $MARK; sleep 30; fi"
    - "cp $data /pfs/out/"
  env: {MARK: ${JSON.stringify(mark)}}
input: {pfs: {repo: data, glob: "/*"}}
parallelism_spec: {constant: 2}
job_timeout: 1s
`;
      const t = await setup({ slow });
      await putText(t.app.repos, "data", "/a", "A");
      await putText(t.app.repos, "data", "/b", "B");
      const t0 = Date.now();
      const first = await run(t);
      expect(Date.now() - t0).toBeLessThan(10_000); // the sleep was killed, not waited for
      expect(first.jobs.map((j) => [j.state, j.reason, j.outputCommit])).toEqual([["killed", "job_timeout of 1000 ms exceeded", null]]);
      expect(await t.app.repos.listCommits("slow", "master")).toEqual([]);
      const second = await run(t);
      expect(second.jobs.map(counts)).toEqual([["success", 1, 1, 0]]);
      expect(await outputOf(t, "slow")).toEqual({ "/a": "A", "/b": "B" });
    } finally {
      removeDir(dir);
    }
  });

  test("runJob() under every_job reprocesses unchanged datums", async () => {
    const t = await setup({ fan: FAN.replace("input:", "reprocess_spec: every_job\ninput:") });
    await putText(t.app.repos, "data", "/a", "x\n");
    await run(t);
    await putText(t.app.repos, "data", "/b", "y\n");
    const { jobs } = await run(t);
    expect(jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
  });

  test("runJob() reprocesses every datum when the transform changes, and not when only parallelism does", async () => {
    const t = await setup({ fan: FAN });
    await putText(t.app.repos, "data", "/a", "x\n");
    await putText(t.app.repos, "data", "/b", "y\n");
    await run(t);
    t.spec("fan", FAN.replace("input:", "parallelism_spec: {constant: 1}\ninput:"));
    expect((await run(t)).jobs).toEqual([]); // same version, same inputs: not due
    t.spec("fan", FAN.replace("cat $f >> /pfs/out/all", "cat $f >> /pfs/out/all; true"));
    const { jobs } = await run(t);
    expect(jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
  });
});

describe("runOnce() incremental equivalence (property)", () => {
  type Op = { kind: "put"; file: string; words: string[]; overwrite: boolean } | { kind: "del"; file: string };
  const file = fc.constantFrom("f0", "f1", "f2", "f3", "f4", "f-1", "f.x");
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("put" as const), file, words: fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 3 }), overwrite: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("del" as const), file }) },
  );
  const commits = fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 });

  test("runOnce() after every commit gives the same output tree, byte for byte, as one run on the final state", async () => {
    await fc.assert(
      fc.asyncProperty(commits, async (history) => {
        const inc = await setup({ fan: FAN });
        const state = new Map<string, string>();
        for (const ops of history) {
          await inc.app.repos.startCommit("data", "master");
          for (const o of ops) {
            if (o.kind === "del") {
              if (!state.has(o.file)) continue;
              await deleteFile(inc.app.repos, "data", "master", `/${o.file}`);
              state.delete(o.file);
            } else {
              const text = `${o.words.join(" ")}\n`;
              await putText(inc.app.repos, "data", `/${o.file}`, text, { overwrite: o.overwrite });
              state.set(o.file, o.overwrite ? text : (state.get(o.file) ?? "") + text);
            }
          }
          await inc.app.repos.finishCommit("data", "master");
          const r = await run(inc);
          expect(r.jobs.map((j) => j.state)).toEqual(["success"]);
        }

        const fresh = await setup({ fan: FAN });
        await fresh.app.repos.startCommit("data", "master");
        for (const [name, text] of state) await putText(fresh.app.repos, "data", `/${name}`, text);
        await fresh.app.repos.finishCommit("data", "master");
        const r = await run(fresh);
        expect(r.jobs.map((j) => j.state)).toEqual(["success"]);

        const a = (await head(inc, "fan"))!;
        const b = (await head(fresh, "fan"))!;
        const files = await outputOf(inc, "fan");
        expect(files).toEqual(fanModel(state));
        expect(await outputOf(fresh, "fan")).toEqual(files);
        expect(a.tree).toBe(b.tree);
        expect(a.sizeBytes).toBe(b.sizeBytes);
        closeAll();
      }),
      { numRuns: 20, seed: 20240611, endOnFailure: true },
    );
  }, 60_000);
});

/** Folder datums (glob "/*" over nested paths): a copy of each file, plus every file appended to /all. */
const TREE = `pipeline: {name: tree}
transform:
  cmd: [sh]
  stdin:
    - "find /pfs/data -type f | LC_ALL=C sort | while read f; do rel=\${f#*/pfs/data/}; cat $f >> /pfs/out/all; mkdir -p /pfs/out/$(dirname $rel); cat $f > /pfs/out/$rel.copy; done"
input: {pfs: {repo: data, glob: "/*"}}
`;

describe("runOnce() incremental equivalence over folder datums (property)", () => {
  type Op = { kind: "put"; file: string; text: string } | { kind: "del"; file: string };
  const file = fc.constantFrom("top", "d1/a", "d1/b", "d2/a", "d2/sub/c", "d3/x");
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("put" as const), file, text: fc.constantFrom("1\n", "2\n", "33\n") }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("del" as const), file: fc.constantFrom("top", "d1", "d1/a", "d2", "d2/sub/c", "d3/x") }) },
  );
  const commits = fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 5 });

  test("runOnce() patching its last output per commit equals one run on the final state", async () => {
    await fc.assert(
      fc.asyncProperty(commits, async (history) => {
        const inc = await setup({ tree: TREE });
        for (const ops of history) {
          await inc.app.repos.startCommit("data", "master");
          for (const o of ops) {
            const c = (await inc.app.repos.openCommit("data", "master"))!;
            if (o.kind === "del") {
              if (await inc.app.repos.lookup(c, `/${o.file}`)) await deleteFile(inc.app.repos, "data", "master", `/${o.file}`);
            } else {
              await putText(inc.app.repos, "data", `/${o.file}`, o.text, { overwrite: true });
            }
          }
          await inc.app.repos.finishCommit("data", "master");
          expect((await run(inc)).jobs.map((j) => j.state).filter((s) => s !== "success")).toEqual([]);
        }
        const final = await inc.app.repos.branchHead("data", "master");
        const fresh = await setup({ tree: TREE });
        if (final) {
          await fresh.app.repos.startCommit("data", "master");
          for (const e of await inc.app.repos.listAll(final)) {
            if (e.type === "file") await putText(fresh.app.repos, "data", e.path, (await inc.app.repos.store.read(e.hash)).toString(), { overwrite: true });
          }
          await fresh.app.repos.finishCommit("data", "master");
          await run(fresh);
        }
        expect(await outputOf(inc, "tree")).toEqual(await outputOf(fresh, "tree"));
        expect((await head(inc, "tree"))?.tree).toBe((await head(fresh, "tree"))?.tree);
        closeAll();
      }),
      { numRuns: 15, seed: 42, endOnFailure: true },
    );
  }, 120_000);

  test("runJob() takes the incremental path after a successful job of the same version", async () => {
    const t = await setup({ tree: TREE });
    await putText(t.app.repos, "data", "/d1/a", "1\n");
    await putText(t.app.repos, "data", "/d2/a", "2\n");
    await run(t);
    await putText(t.app.repos, "data", "/d2/a", "3\n", { overwrite: true });
    const { jobs } = await run(t);
    expect(jobs.map((j) => [j.state, j.processed, j.skipped, j.stats.incremental])).toEqual([["success", 1, 1, 1]]);
    expect(await outputOf(t, "tree")).toEqual({ "/all": "1\n3\n", "/d1/a.copy": "1\n", "/d2/a.copy": "3\n" });
  });
});
