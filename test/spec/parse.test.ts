import { describe, expect, test } from "bun:test";
import { jsonObjectSpans, MAX_SPEC_BYTES, nodePos, parseSpecText } from "../../src/spec/parse.ts";

const F = "pipelines/p.yaml";

describe("parseSpecText() splits documents", () => {
  test.each<[string, string, number[]]>([
    ["one document", "a: 1\n", [0]],
    ["three documents", "a: 1\n---\nb: 2\n---\nc: 3\n", [0, 1, 2]],
    ["an empty file", "", []],
    ["a comment-only file", "# nothing yet\n", []],
    ["a trailing separator", "a: 1\n---\n", [0]],
    ["an empty document in the middle", "a: 1\n---\n---\nc: 3\n", [0, 2]],
    ["a JSON object indented with tabs", '{\n\t"a": 1\n}\n', [0]],
    ["a stream of JSON objects (pachctl create pipeline -f)", '{"a": 1}\n{"b": {"c": "}{"}}\n\n{"d": [{}]}\n', [0, 1, 2]],
    ["JSON objects back to back", '{"a": 1}{"b": 2}', [0, 1]],
  ])("parseSpecText() reads %s", (_, text, indexes) => {
    const { docs, issues } = parseSpecText(F, text);
    expect(issues).toEqual([]);
    expect(docs.map((d) => d.index)).toEqual(indexes);
    expect(docs.every((d) => d.file === F)).toBe(true);
  });

  test("parseSpecText() keeps line numbers across documents", () => {
    const { docs } = parseSpecText(F, "a: 1\n---\nb:\n  c: 2\n");
    const c = docs[1].doc.getIn(["b", "c"], true) as never;
    expect(nodePos(docs[1], c)).toEqual({ line: 4, col: 6 });
  });
});

describe("parseSpecText() reads a stream of JSON objects", () => {
  test("parseSpecText() keeps each object's line numbers in the file", () => {
    const { docs } = parseSpecText(F, '{\n  "a": 1\n}\n{\n  "b": {\n    "c": 2\n  }\n}\n');
    const c = docs[1].doc.getIn(["b", "c"], true) as never;
    expect(nodePos(docs[1], c)).toEqual({ line: 6, col: 10 });
    expect(docs[1].doc.toJS()).toEqual({ b: { c: 2 } });
  });

  test("parseSpecText() reports an error in a later object where it is", () => {
    const { docs, issues } = parseSpecText(F, '{"a": 1}\n{"b": [1}\n');
    expect(docs.map((d) => d.index)).toEqual([0]);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.line === 2)).toBe(true);
  });

  test.each([
    ["YAML after a JSON object", '{"a": 1}\nb: 2\n'],
    ["a single object", '{"a": 1}\n'],
  ])("jsonObjectSpans() leaves %s to the YAML reader", (_, text) => {
    expect(jsonObjectSpans(text)).toBeUndefined();
  });
});

describe("parseSpecText() reports YAML errors with positions", () => {
  test.each<[string, string, string[]]>([
    ["an unclosed flow sequence", "a: [1\n",
      ["2:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"]],
    ["bad indentation", "a: 1\n b: 2\n", ["1:4: invalid YAML: Nested mappings are not allowed in compact mappings"]],
    ["a tab as indentation", "a:\n\tb: 1\n", ["2:1: invalid YAML: Tabs are not allowed as indentation"]],
  ])("parseSpecText() reports %s", (_, text, want) => {
    const { docs, issues } = parseSpecText(F, text);
    expect(docs).toEqual([]);
    expect(issues.map((i) => `${i.line}:${i.col}: ${i.message}`)).toEqual(want);
  });

  test("parseSpecText() keeps the good documents of a file with a bad one", () => {
    const { docs, issues } = parseSpecText(F, "a: 1\n---\nb: [\n---\nc: 3\n");
    expect(docs.map((d) => d.index)).toEqual([0, 2]);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.file === F && i.line >= 3)).toBe(true);
  });

  test("parseSpecText() refuses a file over MAX_SPEC_BYTES", () => {
    const { docs, issues } = parseSpecText(F, `a: "${"x".repeat(MAX_SPEC_BYTES)}"\n`);
    expect(docs).toEqual([]);
    expect(issues).toEqual([
      { file: F, line: 0, col: 0, path: "", message: `file is larger than ${MAX_SPEC_BYTES} bytes`, hint: "split it into several spec files" },
    ]);
  });

  test("parseSpecText() counts multi-byte characters against the limit", () => {
    const text = `a: "${"\u00e9".repeat(MAX_SPEC_BYTES / 2)}"\n`; // fewer chars than the limit, more bytes
    expect(parseSpecText(F, text).issues.map((i) => i.message)).toEqual([`file is larger than ${MAX_SPEC_BYTES} bytes`]);
  });
});
