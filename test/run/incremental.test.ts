import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { putText } from "../helpers/repo.ts";
import { counts, outputOf, runAll, usePipelineApps, useSandboxMode } from "../helpers/run.ts";
import fc from "fast-check";
import { datumsDepth, listDatums, listJobs } from "../../src/db/queries/jobs.ts";
import { forgetDatum } from "../../src/db/queries/results.ts";
import { deleteFile } from "../../src/repo/files.ts";
import { MAX_DATUMS_DEPTH } from "../../src/run/finish.ts";
import { setForceDue } from "../../src/db/queries/pipelines.ts";

useSandboxMode("none");
const { setup, closeAll } = usePipelineApps();

const spec = (glob: string, extra = "") => `pipeline: {name: cp}
transform:
  cmd: [sh]
  stdin:
    - "echo $(find /pfs/data -type f | LC_ALL=C sort | sed 's|.*/pfs/data||') > /pfs/out/tmp; case $(cat /pfs/out/tmp) in /c*) mv /pfs/out/tmp /pfs/out/c.out;; *) cat /pfs/out/tmp >> /pfs/out/all; rm /pfs/out/tmp;; esac"
input: {pfs: {repo: data, glob: "${glob}"${extra}}}
`;

async function fresh(t0: Awaited<ReturnType<typeof setup>>, yaml: string) {
  const t = await setup({ cp: yaml });
  const final = (await t0.app.repos.branchHead("data", "master"))!;
  await t.app.repos.startCommit("data", "master");
  for (const e of await t0.app.repos.listAll(final)) if (e.type === "file") await putText(t.app.repos, "data", e.path, (await t0.app.repos.store.read(e.hash)).toString(), { overwrite: true });
  await t.app.repos.finishCommit("data", "master");
  const r = await runAll(t);
  return { out: await outputOf(t, "cp"), jobs: r.jobs };
}

describe("runJob() after an input-spec change (same transform)", () => {
  test("runJob() after a glob change cuts every datum anew: output equals a full run", async () => {
    const t = await setup({ cp: spec("/*") });
    await putText(t.app.repos, "data", "/d/x", "1\n");
    await putText(t.app.repos, "data", "/d/y", "2\n");
    expect((await runAll(t)).jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
    t.spec("cp", spec("/*/*"));
    await putText(t.app.repos, "data", "/e/z", "3\n");
    const r = await runAll(t);
    const inc = await outputOf(t, "cp");
    const full = await fresh(t, spec("/*/*"));
    expect(inc).toEqual(full.out);
  });

  test("runJob() after merge: append -> error fails on an existing shared path, like a full run", async () => {
    const t = await setup({ cp: spec("/*") });
    await putText(t.app.repos, "data", "/a", "1\n");
    await putText(t.app.repos, "data", "/b", "2\n");
    await runAll(t);
    t.spec("cp", spec("/*") + "merge: error\n");
    await putText(t.app.repos, "data", "/c", "3\n");
    const r = await runAll(t);
    const full = await fresh(t, spec("/*") + "merge: error\n");
    expect(r.jobs.map((j) => j.state)).toEqual(full.jobs.map((j) => j.state));
  });
});

test("runJob() after empty_files: false -> true reprocesses every datum, like a full run", async () => {
  const S = (ef: boolean) => `pipeline: {name: cp}
transform:
  cmd: [sh]
  stdin: ["for f in /pfs/data/*; do echo \\"[$(cat $f)]\\" > /pfs/out/$(basename $f); done"]
input: {pfs: {repo: data, glob: "/*", empty_files: ${ef}}}
`;
  const t = await setup({ cp: S(false) });
  await putText(t.app.repos, "data", "/a", "1");
  await runAll(t);
  t.spec("cp", S(true));
  await putText(t.app.repos, "data", "/b", "2");
  const r = await runAll(t);
  const inc = await outputOf(t, "cp");
  const full = await fresh(t, S(true));
  expect(inc).toEqual(full.out);
});

/** One datum per top-level entry; every file fans out into word files, and all are appended to /all; "boom" fails. */
const FAN = `pipeline: {name: fan}
transform:
  cmd: [sh]
  stdin:
    - "for f in $(find /pfs/data -type f | LC_ALL=C sort); do if grep -q boom $f; then exit 1; fi; n=\${f#*/pfs/data/}; cat $f >> /pfs/out/all; for o in $(cat $f); do echo $n >> /pfs/out/$o; done; done"
input: {pfs: {repo: data, glob: "/*"}}
`;
/** Two buckets per level and three entries per list: a few files already make sharded folders. */
const TINY = { maxEntries: 3, bits: 1 };

/** A job's datums as calf shows them, with commit ids (random per data dir) replaced by the head's position. */
async function shownDatums(t: Awaited<ReturnType<typeof setup>>, job: string, commits: string[]) {
  return (await listDatums(t.app.db, job)).map((d) => ({
    id: d.id, idx: d.idx, hash: d.hash, state: d.state, tries: d.tries, reason: d.reason,
    inputs: d.inputs.map((i) => ({ ...i, commit: commits.indexOf(i.commit) })),
  }));
}

describe("incremental jobs store their datums by reference (property)", () => {
  type Op = { kind: "put"; file: string; words: string[] } | { kind: "del"; file: string };
  const file = fc.constantFrom("a", "b", "c", "d/x", "d/y", "e/z", "f-1", "f.x");
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("put" as const), file, words: fc.array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom("p", "q", "r") }, { weight: 1, arbitrary: fc.constant("boom") }), { maxLength: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("del" as const), file: fc.constantFrom("a", "d", "d/x", "e/z", "f.x") }) },
  );

  test("listDatums() of every job, counts and output equal those of the same jobs planned in full", async () => {
    let incremental = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 6 }), async (history) => {
        const inc = await setup({ fan: FAN });
        const full = await setup({ fan: FAN });
        for (const t of [inc, full]) t.app.repos.trees.shape = TINY;
        const commits = { inc: [] as string[], full: [] as string[] };
        for (const ops of history) {
          for (const [name, t] of [["inc", inc], ["full", full]] as const) {
            await t.app.repos.startCommit("data", "master");
            for (const o of ops) {
              const c = (await t.app.repos.openCommit("data", "master"))!;
              if (o.kind === "del") {
                if (await t.app.repos.lookup(c, `/${o.file}`)) await deleteFile(t.app.repos, "data", "master", `/${o.file}`);
              } else {
                const clash = (await t.app.repos.lookup(c, `/${o.file.split("/")[0]}`))?.type === (o.file.includes("/") ? "file" : "dir");
                if (!clash) await putText(t.app.repos, "data", `/${o.file}`, `${o.words.join(" ")}\n`, { overwrite: true });
              }
            }
            const c = await t.app.repos.finishCommit("data", "master");
            commits[name].push(c.id);
            // The full twin: no index, so no job of it is incremental.
            if (t === full) await t.app.db.write((tx) => tx.run("DELETE FROM index_heads"));
          }
          const [a, b] = [(await runAll(inc)).jobs, (await runAll(full)).jobs];
          expect(a.map((j) => [j.state, j.total, j.processed, j.skipped, j.failed, j.recovered])).toEqual(b.map((j) => [j.state, j.total, j.processed, j.skipped, j.failed, j.recovered]));
          expect(b.every((j) => !j.stats.incremental)).toBe(true);
          incremental += a.filter((j) => j.stats.incremental).length;
          for (let i = 0; i < a.length; i++) expect(await shownDatums(inc, a[i]!.id, commits.inc)).toEqual(await shownDatums(full, b[i]!.id, commits.full));
          expect((await inc.app.repos.branchHead("fan", "master"))?.tree).toBe((await full.app.repos.branchHead("fan", "master"))?.tree);
        }
        closeAll();
      }),
      { numRuns: 15, seed: 99, endOnFailure: true },
    );
    expect(incremental).toBeGreaterThan(20);
  }, 120_000);
});

test("runJob() stores a whole datum list again past MAX_DATUMS_DEPTH bases, and lists the same datums", async () => {
  const t = await setup({ cp: spec("/*") });
  await putText(t.app.repos, "data", "/a", "1\n");
  await putText(t.app.repos, "data", "/b", "1\n");
  await runAll(t);
  const depths: number[] = [];
  for (let i = 0; i <= MAX_DATUMS_DEPTH; i++) {
    await putText(t.app.repos, "data", i % 2 ? "/a" : "/b", `v${i}\n`, { overwrite: true });
    const [j] = (await runAll(t)).jobs;
    expect([j!.state, j!.stats.incremental, j!.total]).toEqual(["success", 1, 2]);
    depths.push((await datumsDepth(t.app.db, j!.id))!);
  }
  expect(depths.slice(0, 3)).toEqual([1, 2, 3]);
  expect(depths.slice(-2)).toEqual([MAX_DATUMS_DEPTH, 0]);
  const last = (await listJobs(t.app.db, { limit: 2 }));
  for (const j of last) {
    const ds = await listDatums(t.app.db, j.id);
    expect(ds.map((d) => [d.inputs[0]!.path, d.inputs[0]!.commit, d.idx])).toEqual([["/a", j.inputCommits[0]!.commit, 0], ["/b", j.inputCommits[0]!.commit, 1]]);
  }
}, 60_000);

test("runJob() plans in full when the datum index is missing (a data dir from before it), and rebuilds it", async () => {
  const t = await setup({ cp: spec("/*") });
  await putText(t.app.repos, "data", "/a", "1\n");
  await runAll(t);
  await t.app.db.write(async (tx) => {
    await tx.run("DELETE FROM index_heads");
    await tx.run("DELETE FROM datum_index");
    await tx.run("DELETE FROM output_owners");
  });
  await putText(t.app.repos, "data", "/b", "2\n");
  const second = (await runAll(t)).jobs;
  await putText(t.app.repos, "data", "/c", "3\n");
  const third = (await runAll(t)).jobs;
  expect([...second, ...third].map((j) => [j.state, j.processed, j.skipped, j.stats.incremental])).toEqual([["success", 1, 1, 0], ["success", 1, 2, 1]]);
  const full = await fresh(t, spec("/*"));
  expect(await outputOf(t, "cp")).toEqual(full.out);
});
