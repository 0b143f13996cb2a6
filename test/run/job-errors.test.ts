import { expect, test } from "bun:test";
import { putText } from "../helpers/repo.ts";
import { runAll, usePipelineApps, useSandboxMode } from "../helpers/run.ts";
import { listJobs } from "../../src/db/queries/jobs.ts";

useSandboxMode("none");
const { setup } = usePipelineApps();

test("runJob() with a missing executable fails the datum and ends the job as failure (not left running)", async () => {
  const t = await setup({ cp: `pipeline: {name: cp}
transform: {cmd: [/nonexistent/tool]}
input: {pfs: {repo: data, glob: "/*"}}
` });
  await putText(t.app.repos, "data", "/a", "1\n");
  let err: unknown = null;
  try { await runAll(t); } catch (e) { err = e; }
  expect(err).toBeNull();
  const [job] = await listJobs(t.app.db, { pipeline: "cp" });
  expect(job!.state).toBe("failure");
  expect(job!.reason).toContain("/nonexistent/tool");
  expect(job!.failed).toBe(1);
});
