import { expect, test } from "bun:test";
import { putText } from "../helpers/repo.ts";
import { outputOf, runAll, usePipelineApps, useSandboxMode } from "../helpers/run.ts";
useSandboxMode("none");
const { setup } = usePipelineApps();
test("runJob() with empty_files and no sandbox gives the transform empty files at their paths", async () => {
  const t = await setup({ cp: `pipeline: {name: cp}
transform:
  cmd: [sh]
  stdin: ["for f in /pfs/data/*; do echo \\"[$(cat $f)]\\" > /pfs/out/$(basename $f); done"]
input: {pfs: {repo: data, glob: "/*", empty_files: true}}
` });
  await putText(t.app.repos, "data", "/a", "1");
  let err: unknown = null;
  try { await runAll(t); } catch (e) { err = e; }
  expect(await outputOf(t, "cp")).toEqual({ "/a": "[]\n" });
});
