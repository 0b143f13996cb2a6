// collectOutputs() while the transform still runs (datum batching): a batch
// process that answered `ok` can swap folders of /pfs/out for links and keep
// writing to files it holds open while calf collects them.
import { afterEach, expect, test } from "bun:test";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { FsObjectStore } from "../../src/store/fs/store.ts";
import type { ObjectStore } from "../../src/store/types.ts";
import { collectOutputs, OutputError } from "../../src/transform/outputs.ts";
import { rt } from "../helpers/app.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) removeDir(dir);
  dir = undefined;
});

async function setUp() {
  dir = tempDir("calf-outputs-");
  const out = path.join(dir, "out");
  fs.mkdirSync(out);
  const store = new FsObjectStore(path.join(dir, "store"), await rt(), { now: () => new Date() });
  return { out, store };
}

test("a live transform that swaps a folder of /pfs/out for a link to a host folder while calf collects gets the datum failed, and the host file stays where it is", async () => {
  const { out, store } = await setUp();
  const secret = path.join(dir!, "hidden");
  fs.mkdirSync(secret);
  fs.writeFileSync(path.join(secret, "secret.txt"), "TOPSECRET\n");
  fs.writeFileSync(path.join(out, "a"), "a\n");
  for (let i = 0; i < 20; i++) {
    fs.mkdirSync(path.join(out, `z${i}`));
    fs.writeFileSync(path.join(out, `z${i}`, "inner"), "x\n");
  }
  // At calf's first store (whichever way it stores), every folder becomes a link out (the one
  // being walked, if any, moves away under calf: a walk by descriptor goes on in it).
  let swapped = false;
  const swap = () => {
    if (swapped) return;
    swapped = true;
    for (let i = 0; i < 20; i++) {
      const z = path.join(out, `z${i}`);
      fs.renameSync(z, path.join(dir!, `moved-z${i}`));
      fs.symlinkSync(secret, z);
    }
  };
  const racing = new Proxy(store, {
    get(target, prop, recv) {
      const f = Reflect.get(target, prop, recv);
      if (prop !== "putFile" && prop !== "putBytes") return f;
      return (...args: unknown[]) => {
        swap();
        return (f as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as ObjectStore;
  let outputs: { path: string }[] = [];
  let err: unknown = null;
  try {
    outputs = await collectOutputs(racing, out, () => null, undefined, { live: true });
  } catch (e) {
    err = e;
  }
  expect(swapped).toBe(true);
  expect(fs.readFileSync(path.join(secret, "secret.txt"), "utf8")).toBe("TOPSECRET\n");
  expect(outputs.map((o) => o.path).filter((p) => p.includes("secret"))).toEqual([]);
  expect(err).toBeInstanceOf(OutputError);
  expect((err as Error).message).toContain("changed while calf was collecting it");
});

test("a live transform that writes on to an output it holds open after calf stored it does not change the stored bytes", async () => {
  const { out, store } = await setUp();
  fs.mkdirSync(path.join(out, "sub"));
  const fds = ["top", "sub/nested"].map((p) => {
    const fd = fs.openSync(path.join(out, p), "w");
    fs.writeSync(fd, `${p} first\n`);
    return fd;
  });
  const outputs = await collectOutputs(store, out, () => null, undefined, { live: true });
  for (const fd of fds) {
    fs.writeSync(fd, "written after the answer\n");
    fs.closeSync(fd);
  }
  expect(outputs.map((o) => o.path).sort()).toEqual(["/sub/nested", "/top"]);
  await store.flush();
  for (const o of outputs as { path: string; hash: string }[]) {
    const bytes = await store.read(o.hash);
    expect(Buffer.from(bytes).toString()).toBe(`${o.path.slice(1)} first\n`);
    expect(crypto.createHash("sha256").update(bytes).digest("hex")).toBe(o.hash);
  }
});
