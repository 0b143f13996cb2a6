// A whole pipeline over the S3 store (s3rver on loopback): inputs reach /pfs
// from S3's bytes, outputs go up at flush, cached results skip datums on the
// next run, and the output equals the filesystem store's, sandboxed or not.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import * as path from "node:path";
import { openStore, storeEnvFrom } from "../../src/store/open.ts";
import type { S3ObjectStore } from "../../src/store/s3/store.ts";
import { openTestApp, rt, type TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { bwrapWorks, counts, outputOf, runAll, withSandboxMode } from "../helpers/run.ts";
import { S3_CREDENTIALS, startS3 } from "../helpers/s3.ts";
import { S3Client } from "../../src/store/s3/client.ts";
import { tempDir } from "../helpers/tmp.ts";

const server = await startS3();
afterAll(() => server.stop());
let open: TestApp[] = [];
afterEach(() => open.splice(0).forEach((t) => t.close()));
let n = 0;

const SPEC = `pipeline: {name: up}
transform:
  cmd: [sh, -c, "tr a-z A-Z < $in > /pfs/out/$(basename $in); cat /pfs/in/* | wc -c > /pfs/out/total-$(basename $in); head -c 300000 /dev/zero | tr '\\\\0' x > /pfs/out/big-$(basename $in)"]
input: {pfs: {repo: in, glob: "/*"}}
`;

async function s3App(): Promise<{ t: TestApp; store: S3ObjectStore }> {
  const dir = tempDir();
  const store = openStore(`s3://${server.bucket}/pipeline-${n++}`, {
    env: storeEnvFrom(server.env), dataDir: path.join(dir, "data"), cwd: dir, rt: await rt(), clock: { now: () => new Date() },
    s3: { multipartThreshold: 128 << 10, partSize: 64 << 10 }, // the big outputs go up in parts
  }) as S3ObjectStore;
  const t = await openTestApp({ dir, store });
  return { t, store };
}

describe.each(["none", ...(bwrapWorks ? ["bwrap"] : [])])("a pipeline with CALF_SANDBOX=%s", (mode) => {
  test("runs the same over the S3 store as over the filesystem store, and skips unchanged datums on the next run", async () => {
    const results = [];
    let s3: { t: TestApp; store: S3ObjectStore } | null = null;
    for (const kind of ["fs", "s3"]) {
      const t = kind === "fs" ? await openTestApp() : await s3App().then((x) => (s3 = x).t);
      open.push(t);
      await t.app.repos.createRepo("in");
      t.spec("up", SPEC);
      await putText(t.app.repos, "in", "/a", "alpha\n");
      await putText(t.app.repos, "in", "/b", "beta\n");
      const r = await withSandboxMode(mode, () => runAll(t));
      expect(r.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
      await putText(t.app.repos, "in", "/c", "gamma\n");
      const again = await withSandboxMode(mode, () => runAll(t));
      expect(again.jobs.map(counts)).toEqual([["success", 1, 2, 0]]);
      results.push(await outputOf(t, "up"));
    }
    expect(results[1]).toEqual(results[0]!);
    expect(results[0]!["/a"]).toBe("ALPHA\n");
    expect(results[0]!["/total-c"]).toBe("6\n");
    expect(results[0]!["/big-a"]).toBe("x".repeat(300_000));
    // Every file the input and output commits name is in the bucket, whole (not only in this process's spool or memory).
    const { t, store } = s3!;
    const bucket = new S3Client({ bucket: server.bucket, region: "us-east-1", endpoint: server.endpoint }, S3_CREDENTIALS);
    const named = [];
    for (const repo of ["in", "up"]) for (const e of await t.app.repos.listAll((await t.app.repos.branchHead(repo, "master"))!)) if (e.type === "file") named.push(e);
    expect(named).toHaveLength(3 + 9);
    for (const e of named) expect({ path: e.path, head: (await bucket.head(store.key(e.hash)))?.size }).toEqual({ path: e.path, head: e.size });
  }, 60_000);
});
