// How a stored file's bytes leave calf in `get file`: a folder as a tar
// stream, and the first bytes of an object (to tell text from binary).
import * as path from "node:path";
import tar from "tar-stream";
import type { App } from "../app.ts";
import type { ObjectStore } from "../store/types.ts";
import { verifiedRead } from "../ops/verify.ts";

/** The first 8000 bytes of an object (enough to tell text from binary, as git does). */
export async function headOf(store: ObjectStore, hash: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of store.stream(hash)) {
    parts.push(chunk);
    n += chunk.byteLength;
    if (n >= 8000) break;
  }
  return Buffer.concat(parts).subarray(0, 8000);
}

/** A folder of a commit as a tar stream (entries in path order), each file checked against its hash. */
export async function tarOf(app: App, c: Parameters<App["repos"]["listDir"]>[0], dir: string, what: (path: string) => string) {
  const pack = tar.pack();
  const entries = await app.repos.listDir(c, dir, true);
  const strip = dir === "/" ? "" : dir;
  void (async () => {
    try {
      for (const e of entries) {
        const name = path.posix.relative("/", e.path.slice(strip.length) || "/");
        if (e.type === "dir") {
          pack.entry({ name: name + "/", type: "directory", mode: 0o755 });
          continue;
        }
        const data = await verifiedRead(app.store, e.hash, (b) => app.rt.sha256(b), what(e.path));
        await new Promise<void>((res, rej) => pack.entry({ name, size: data.byteLength, mode: 0o644 }, data, (err) => (err ? rej(err) : res())));
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack;
}
