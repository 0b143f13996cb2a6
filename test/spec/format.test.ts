import { describe, expect, test } from "bun:test";
import { formatIssue, sortIssues } from "../../src/spec/format.ts";
import type { SpecIssue } from "../../src/spec/types.ts";

const issue = (over: Partial<SpecIssue>): SpecIssue => ({ file: "pipelines/x.yaml", line: 4, col: 1, path: "", message: "m", ...over });

describe("formatIssue()", () => {
  test.each<[string, SpecIssue, string]>([
    ["a field issue with a hint", issue({ path: "paralelism_spec", message: "unknown field", hint: 'did you mean "parallelism_spec"?' }),
      'pipelines/x.yaml:4:1: paralelism_spec: unknown field (did you mean "parallelism_spec"?)'],
    ["a document issue", issue({ message: "expected a mapping, got a list" }), "pipelines/x.yaml:4:1: expected a mapping, got a list"],
    ["a file issue without a position", issue({ line: 0, col: 0, message: "file does not exist" }), "pipelines/x.yaml: file does not exist"],
  ])("formatIssue() prints %s", (_, i, want) => {
    expect(formatIssue(i)).toBe(want);
  });
});

test("sortIssues() orders by file, line and column without mutating its input", () => {
  const input = [issue({ file: "b", line: 1 }), issue({ line: 9 }), issue({ line: 2, col: 7 }), issue({ line: 2, col: 3 })];
  const copy = [...input];
  expect(sortIssues(input).map((i) => `${i.file}:${i.line}:${i.col}`)).toEqual([
    "b:1:1", "pipelines/x.yaml:2:3", "pipelines/x.yaml:2:7", "pipelines/x.yaml:9:1",
  ]);
  expect(input).toEqual(copy);
});
