// The ObjectStore contract over the S3 driver, against s3rver on loopback
// behind a proxy that checks every request's SigV4 signature independently
// (s3rver does not): one server for the file, a fresh key prefix per case.
import { afterAll } from "bun:test";
import * as path from "node:path";
import { loadRuntime } from "../../runtime/index.ts";
import { openStore, storeEnvFrom } from "../../src/store/open.ts";
import { faultProxy, startS3 } from "../helpers/s3.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";
import { storeContract } from "./contract.ts";

const rt = await loadRuntime();
const server = await startS3();
const proxy = await faultProxy(server.endpoint);
afterAll(async () => {
  await proxy.stop();
  await server.stop();
});
let n = 0;

storeContract("s3", {
  async open() {
    const dir = tempDir();
    const env = storeEnvFrom({ ...server.env, CALF_S3_ENDPOINT: proxy.endpoint });
    const store = openStore(`s3://${server.bucket}/contract-${n++}`, { env, dataDir: path.join(dir, "data"), cwd: dir, rt, clock: { now: () => new Date() } });
    return { store, dir, close: () => removeDir(dir) };
  },
  mtimeResolutionMs: 1000,
});
