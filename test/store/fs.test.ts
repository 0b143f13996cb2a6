// The ObjectStore contract over the filesystem driver.
import * as path from "node:path";
import { loadRuntime } from "../../runtime/index.ts";
import { FsObjectStore } from "../../src/store/fs/store.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";
import { storeContract } from "./contract.ts";

const rt = await loadRuntime();
storeContract("fs", {
  async open() {
    const dir = tempDir();
    return { store: new FsObjectStore(path.join(dir, "data"), rt, { now: () => new Date() }), dir, close: () => removeDir(dir) };
  },
});
