// A whole pipeline over a store that keeps no local files (the memory
// driver): inputs reach /pfs from the store's bytes, outputs leave through
// putFile, and the result equals the filesystem store's, sandboxed or not.
import { afterEach, describe, expect, test } from "bun:test";
import { MemoryObjectStore } from "../../src/store/memory/store.ts";
import { openTestApp, rt, type TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { bwrapWorks, counts, outputOf, runAll, withSandboxMode } from "../helpers/run.ts";

let open: TestApp[] = [];
afterEach(() => open.splice(0).forEach((t) => t.close()));

const SPEC = `pipeline: {name: up}
transform:
  cmd: [sh, -c, "tr a-z A-Z < $in > /pfs/out/$(basename $in); cat /pfs/in/* | wc -c > /pfs/out/total-$(basename $in)"]
input: {pfs: {repo: in, glob: "/*"}}
`;

describe.each(["none", ...(bwrapWorks ? ["bwrap"] : [])])("a pipeline with CALF_SANDBOX=%s", (mode) => {
  test("runs the same over the memory store as over the filesystem store", async () => {
    const results = [];
    for (const store of [undefined, new MemoryObjectStore(await rt())]) {
      const t = await openTestApp({ store });
      open.push(t);
      await t.app.repos.createRepo("in");
      t.spec("up", SPEC);
      await putText(t.app.repos, "in", "/a", "alpha\n");
      await putText(t.app.repos, "in", "/b", "beta\n");
      const r = await withSandboxMode(mode, () => runAll(t));
      expect(r.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
      results.push(await outputOf(t, "up"));
    }
    expect(results[1]).toEqual(results[0]!);
    expect(results[0]).toEqual({ "/a": "ALPHA\n", "/b": "BETA\n", "/total-a": "6\n", "/total-b": "5\n" });
  }, 30_000);
});
