// The ObjectStore contract over the S3 driver, against s3rver on loopback:
// one server for the file, a fresh key prefix (so an empty store) per case.
import { afterAll } from "bun:test";
import * as path from "node:path";
import { loadRuntime } from "../../runtime/index.ts";
import { openStore, storeEnvFrom } from "../../src/store/open.ts";
import { startS3 } from "../helpers/s3.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";
import { storeContract } from "./contract.ts";

const rt = await loadRuntime();
const server = await startS3();
afterAll(() => server.stop());
let n = 0;

storeContract("s3", {
  async open() {
    const dir = tempDir();
    const store = openStore(`s3://${server.bucket}/contract-${n++}`, { env: storeEnvFrom(server.env), dataDir: path.join(dir, "data"), cwd: dir, rt });
    return { store, dir, close: () => removeDir(dir) };
  },
});
