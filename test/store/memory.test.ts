// The ObjectStore contract over the in-memory driver.
import { loadRuntime } from "../../runtime/index.ts";
import { MemoryObjectStore } from "../../src/store/memory/store.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";
import { storeContract } from "./contract.ts";

const rt = await loadRuntime();
storeContract("memory", {
  async open() {
    const dir = tempDir();
    return { store: new MemoryObjectStore({ sha256: rt.sha256, sha256Hasher: rt.sha256Hasher, now: Date.now }), dir, close: () => removeDir(dir) };
  },
});
