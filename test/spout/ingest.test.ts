import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { FsObjectStore } from "../../src/store/fs/store.ts";
import { ingest, type ArchiveOutcome } from "../../src/spout/ingest.ts";
import { rt } from "../helpers/app.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";
import { packTar } from "./_tars.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) removeDir(dir);
  dir = undefined;
});

async function* chunksOf(parts: (Uint8Array | null)[], size = 300): AsyncGenerator<Uint8Array | null> {
  for (const p of parts) {
    if (p === null) yield null;
    else for (let i = 0; i < p.length; i += size) yield p.slice(i, i + size);
  }
}

/** Ingests `parts` into a fresh store; outcomes with file contents read back. */
async function run(parts: (Uint8Array | null)[]) {
  dir = tempDir("calf-ingest-");
  const store = new FsObjectStore(dir, await rt(), { now: () => new Date() });
  const seen: unknown[] = [];
  await ingest(chunksOf(parts), store, async (a: ArchiveOutcome) => {
    if (a.kind !== "complete") return void seen.push({ kind: a.kind, archive: a.archive });
    const files: Record<string, string> = {};
    for (const f of a.files) {
      files[f.path] = (await store.read(f.hash)).toString("utf8");
      expect(f.size).toBe(files[f.path]!.length);
    }
    seen.push({ kind: "complete", archive: a.archive, files });
  });
  await store.flush(); // pending objects become real ones; only a cut file's temp would remain
  return { seen, leftovers: fs.readdirSync(store.tmpDir) };
}

describe("ingest()", () => {
  test("ingest() stores each file of an archive and reports the archive once complete", async () => {
    const r = await run([await packTar([{ name: "a", body: "alpha" }, { name: "d", type: "directory" }, { name: "d/b", body: "x".repeat(2000) }])]);
    expect(r.seen).toEqual([{ kind: "complete", archive: 1, files: { "/a": "alpha", "/d/b": "x".repeat(2000) } }]);
  });

  test("ingest() reports archives in stream order, rejected and cut-short ones without their files", async () => {
    const good = await packTar([{ name: "ok", body: "1" }]);
    const bad = await packTar([{ name: "fine", body: "2" }, { name: "/abs", body: "3" }]);
    const cut = (await packTar([{ name: "big", body: "y".repeat(5000) }])).subarray(0, 3000);
    const r = await run([good, bad, cut, null, good]);
    expect(r.seen).toEqual([
      { kind: "complete", archive: 1, files: { "/ok": "1" } },
      { kind: "rejected", archive: 2 },
      { kind: "truncated", archive: 3 },
      { kind: "complete", archive: 4, files: { "/ok": "1" } },
    ]);
    expect(r.leftovers).toEqual([]); // the half-stored file of the cut archive was removed
  });

  test("ingest() reports an archive of folders only as complete with no files", async () => {
    const r = await run([await packTar([{ name: "d", type: "directory" }])]);
    expect(r.seen).toEqual([{ kind: "complete", archive: 1, files: {} }]);
  });
});
