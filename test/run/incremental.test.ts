import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { putText } from "../helpers/repo.ts";
import { counts, outputOf, runAll, usePipelineApps, useSandboxMode } from "../helpers/run.ts";
import { listJobs } from "../../src/db/queries/jobs.ts";
import { forgetDatum, listDatums } from "../../src/db/queries/jobs.ts";
import { setForceDue } from "../../src/db/queries/pipelines.ts";

useSandboxMode("none");
const { setup } = usePipelineApps();

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
