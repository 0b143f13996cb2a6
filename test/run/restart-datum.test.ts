import { expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { putText } from "../helpers/repo.ts";
import { counts, outputOf, runAll, usePipelineApps, useSandboxMode } from "../helpers/run.ts";
import { listDatums } from "../../src/db/queries/jobs.ts";
import { forgetDatum } from "../../src/db/queries/results.ts";
import { setForceDue } from "../../src/db/queries/pipelines.ts";
import { runOnce, startRunner } from "../../src/run/scheduler.ts";

useSandboxMode("none");
const { setup } = usePipelineApps();
/** The transform reads its "version" from EXT, a file in the test's own folder. */
const spec = (EXT: string) => `pipeline: {name: cp}
transform:
  cmd: [sh]
  stdin:
    - "v=$(cat ${EXT}); [ \\"$v\\" = fail ] && exit 3; [ \\"$v\\" = slow ] && sleep 5; for f in /pfs/data/*; do echo \\"$(basename $f) $v\\" >> /pfs/out/all; done"
input: {pfs: {repo: data, glob: "/*"}}
datum_tries: 1
`;

test("runJob() after restart datum and a failed job reprocesses the restarted datum and keeps its output", async () => {
  const t = await setup({});
  const EXT = path.join(t.dir, "ext");
  t.spec("cp", spec(EXT));
  fs.writeFileSync(EXT, "v1\n");
  await putText(t.app.repos, "data", "/a", "1\n");
  await putText(t.app.repos, "data", "/b", "2\n");
  const r0 = await runAll(t);
  expect(r0.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
  const a = (await listDatums(t.app.db, r0.jobs[0]!.id)).find((d) => d.inputs[0]!.path === "/a")!;
  // calf restart datum J0 <a>
  await forgetDatum(t.app.db, "cp", a.id);
  await setForceDue(t.app.db, "cp", true);
  fs.writeFileSync(EXT, "fail\n");
  const r1 = await runAll(t);
  expect(r1.jobs.map((j) => j.state)).toEqual(["failure"]);
  fs.writeFileSync(EXT, "v2\n");
  await putText(t.app.repos, "data", "/c", "3\n");
  const r2 = await runAll(t);
  expect(r2.jobs.map((j) => j.state)).toEqual(["success"]);
  const d2 = await listDatums(t.app.db, r2.jobs[0]!.id);
  expect(d2.find((d) => d.id === a.id)?.state).toBe("success");
  const out = await outputOf(t, "cp");
  expect(out["/all"]).toContain("a ");
});

test("a forced run (restart datum) that is stopped before it ends is run again on the next pass, and only then no more", async () => {
  const t = await setup({});
  const EXT = path.join(t.dir, "ext");
  t.spec("cp", spec(EXT));
  fs.writeFileSync(EXT, "v1\n");
  await putText(t.app.repos, "data", "/a", "1\n");
  const r0 = await runAll(t);
  expect(r0.jobs.map((j) => j.state)).toEqual(["success"]);
  const a = (await listDatums(t.app.db, r0.jobs[0]!.id))[0]!;
  await forgetDatum(t.app.db, "cp", a.id);
  await setForceDue(t.app.db, "cp", true);
  // The forced job is stopped (as by SIGTERM) while its datum runs: recorded killed, force_due already cleared.
  fs.writeFileSync(EXT, "slow\n");
  const stop = new AbortController();
  setTimeout(() => stop.abort(new Error("stopped by SIGTERM")), 300);
  await startRunner(t.app);
  const r1 = await runOnce(t.app, { names: [], reprocess: false, observer: {}, signal: stop.signal });
  expect(r1.jobs.map((j) => j.state)).toEqual(["killed"]);
  fs.writeFileSync(EXT, "v2\n");
  const r2 = await runAll(t);
  expect(r2.jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
  expect((await outputOf(t, "cp"))["/all"]).toBe("a v2\n");
  expect((await runAll(t)).jobs).toEqual([]);
});
