import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { versionHash } from "../../src/run/version.ts";
import { saltOf } from "../../src/run/fingerprint.ts";
import type { PipelineSpec } from "../../src/spec/types.ts";
import { sha256 } from "../helpers/memtree.ts";
import { removeDir, tempDir, writeFiles } from "../helpers/tmp.ts";

// Made at load time: the test.each tables below are built before any hook runs.
const dir = tempDir();
writeFiles(dir, { "edges.py": "print(1)\n", "lib/a.py": "a\n", "lib/b.py": "b\n" });
afterAll(() => removeDir(dir));

function spec(over: Partial<PipelineSpec> = {}, t: Partial<PipelineSpec["transform"]> = {}): PipelineSpec {
  return {
    name: "edges", description: "", file: path.join(dir, "edges.yaml"),
    transform: { cmd: ["python3", "edges.py"], env: { A: "1", B: "2" }, workingDir: dir, acceptReturnCode: [1, 2], deps: ["edges.py", "lib/"], ...t },
    input: { kind: "pfs", name: "in", repo: "in", glob: "/*", branch: "master", outerJoin: false, emptyFiles: false, reference: false },
    parallelism: null, datumTries: 3, datumTimeoutMs: null, jobTimeoutMs: null, outputBranch: "master",
    reprocessSpec: "until_success", spout: null, merge: "append", datumBatching: false,
    ...over,
  };
}
const base = () => versionHash(spec(), sha256);

describe("versionHash()", () => {
  test("versionHash() is stable for the same spec and files", () => {
    expect(base()).toMatch(/^[0-9a-f]{64}$/);
    expect(versionHash(spec(), sha256)).toBe(base());
  });

  // --- changes the version ---
  test.each<[string, PipelineSpec]>([
    ["cmd", spec({}, { cmd: ["python3", "edges.py", "-v"] })],
    ["stdin", spec({}, { stdin: ["echo hi"] })],
    ["an env value", spec({}, { env: { A: "1", B: "3" } })],
    ["an env key", spec({}, { env: { A: "1", C: "2" } })],
    ["working_dir", spec({}, { workingDir: "/elsewhere" })],
    ["err_cmd", spec({}, { errCmd: ["true"] })],
    ["err_stdin", spec({}, { errStdin: ["x"] })],
    ["accept_return_code", spec({}, { acceptReturnCode: [1] })],
    ["the deps list", spec({}, { deps: ["edges.py"] })],
    ["Pachyderm's salt", spec({ salt: "v2" })],
  ])("versionHash() changes with %s", (_what, s) => {
    expect(versionHash(s, sha256)).not.toBe(base());
  });

  // --- leaves the version alone ---
  test.each<[string, PipelineSpec]>([
    ["parallelism", spec({ parallelism: 8 })],
    ["description", spec({ description: "new words" })],
    ["datum_tries", spec({ datumTries: 1 })],
    ["datum_timeout", spec({ datumTimeoutMs: 5000 })],
    ["job_timeout", spec({ jobTimeoutMs: 60_000 })],
    ["the env order", spec({}, { env: { B: "2", A: "1" } })],
    ["the accept_return_code order", spec({}, { acceptReturnCode: [2, 1] })],
    ["transform.image", spec({}, { image: "ubuntu:22.04" })],
    ["datum_batching and datum_set_spec", spec({ datumBatching: true, datumSetSpec: { number: 10, sizeBytes: 0, perWorker: 0 } })],
    ["the spec's source positions", spec({ source: { file: "x.yaml", doc: 3, positions: { "": { line: 9, col: 1 } } } })],
  ])("versionHash() ignores %s", (_what, s) => {
    expect(versionHash(s, sha256)).toBe(base());
  });

  test("versionHash() tells salts apart", () => {
    expect(versionHash(spec({ salt: "a" }), sha256)).not.toBe(versionHash(spec({ salt: "b" }), sha256));
  });

  // --- deps content ---
  test.each<[string, (d: string) => void]>([
    ["a dep file's content", (d) => fs.writeFileSync(path.join(d, "edges.py"), "print(2)\n")],
    ["a file's content inside a dep folder", (d) => fs.writeFileSync(path.join(d, "lib/a.py"), "a2\n")],
    ["a file added to a dep folder", (d) => fs.writeFileSync(path.join(d, "lib/c.py"), "c\n")],
    ["a file removed from a dep folder", (d) => fs.rmSync(path.join(d, "lib/b.py"))],
    ["a dep file going missing", (d) => fs.rmSync(path.join(d, "edges.py"))],
  ])("versionHash() changes with %s", (_what, change) => {
    const d = tempDir();
    try {
      writeFiles(d, { "edges.py": "print(1)\n", "lib/a.py": "a\n", "lib/b.py": "b\n" });
      const s = spec({ file: path.join(d, "edges.yaml") }, { workingDir: d });
      const before = versionHash(s, sha256);
      expect(before).toBe(base()); // same content elsewhere: same version
      change(d);
      expect(versionHash(s, sha256)).not.toBe(before);
    } finally {
      removeDir(d);
    }
  });

  test("versionHash() ignores files outside the deps", () => {
    const d = tempDir();
    try {
      writeFiles(d, { "edges.py": "print(1)\n", "lib/a.py": "a\n", "lib/b.py": "b\n" });
      const s = spec({ file: path.join(d, "edges.yaml") });
      const before = versionHash(s, sha256);
      writeFiles(d, { "README.md": "notes", "other/x.py": "x" });
      expect(versionHash(s, sha256)).toBe(before);
    } finally {
      removeDir(d);
    }
  });
});

describe("saltOf()", () => {
  test("saltOf() is the version hash itself until the first --reprocess", () => {
    expect(saltOf("v1", 0, sha256)).toBe("v1");
  });
  test("saltOf() changes with each reprocess nonce and is stable for one", () => {
    const salts = [0, 1, 2].map((n) => saltOf("v1", n, sha256));
    expect(new Set(salts).size).toBe(3);
    expect(saltOf("v1", 2, sha256)).toBe(salts[2]!);
    expect(saltOf("v2", 1, sha256)).not.toBe(salts[1]!);
  });
});

describe("versionHash() and project moves", () => {
  test("versionHash() is the same after moving the whole project folder", () => {
    const a = tempDir();
    const b = tempDir();
    try {
      for (const d of [a, b]) writeFiles(d, { "pipelines/edges.py": "print(1)\n", "pipelines/lib/a.py": "a\n", "pipelines/lib/b.py": "b\n" });
      const at = (d: string) => spec({ file: path.join(d, "pipelines/edges.yaml") }, { workingDir: path.join(d, "pipelines") });
      expect(versionHash(at(a), sha256)).toBe(versionHash(at(b), sha256));
      const moved = spec({ file: path.join(b, "pipelines/edges.yaml") }, { workingDir: b });
      expect(versionHash(moved, sha256)).not.toBe(versionHash(at(b), sha256)); // working_dir itself changed
    } finally {
      removeDir(a);
      removeDir(b);
    }
  });
});
