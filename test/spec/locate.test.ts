import { describe, expect, test } from "bun:test";
import { issueAt, posFor, whereIs } from "../../src/spec/locate.ts";
import { specs } from "./_specs.ts";

describe("posFor()", () => {
  const positions = { "": { line: 1, col: 1 }, input: { line: 3, col: 8 }, "input.cross[1].pfs": { line: 5, col: 9 } };
  test.each<[string, { line: number; col: number }]>([
    ["input", { line: 3, col: 8 }],
    ["input.cross[1].pfs.name", { line: 5, col: 9 }], // nearest recorded ancestor
    ["input.cross[0].pfs.repo", { line: 3, col: 8 }], // through "input.cross[0]" and "input.cross"
    ["transform.cmd", { line: 1, col: 1 }], // the document
  ])("posFor(%p) is %p", (path, want) => {
    expect(posFor(positions, path)).toEqual(want);
  });

  test("posFor() gives 0:0 with no positions at all", () => {
    expect(posFor({}, "input")).toEqual({ line: 0, col: 0 });
  });
});

describe("issueAt() and whereIs()", () => {
  test("issueAt() points at the recorded field in the file as the user named it", () => {
    const [spec] = specs({ a: `{pfs: {repo: raw, glob: "/*"}}` });
    expect(issueAt(spec, "input.pfs.repo", "m", "h")).toEqual({
      file: "pipelines/p.yaml", line: 3, col: 21, path: "input.pfs.repo", message: "m", hint: "h",
    });
    expect(whereIs(spec, "pipeline.name")).toBe("pipelines/p.yaml:1:18");
  });

  test("issueAt() falls back to spec.file for a spec built without a source", () => {
    const [spec] = specs({ a: "spout" });
    const { source: _, ...bare } = spec;
    expect(issueAt(bare, "pipeline.name", "m")).toEqual({ file: spec.file, line: 0, col: 0, path: "pipeline.name", message: "m" });
    expect(whereIs(bare, "pipeline.name")).toBe(spec.file);
  });
});
