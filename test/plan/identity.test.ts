import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { datumHash, datumId, datumSortKey, makeDatum } from "../../src/plan/identity.ts";
import type { DatumInput } from "../../src/plan/types.ts";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

const input = (over: Partial<DatumInput> = {}): DatumInput => ({
  name: "in",
  repo: "in",
  branch: "master",
  commit: "c1",
  path: "/a",
  type: "file",
  hash: "h1",
  size: 1,
  reference: false,
  emptyFiles: false,
  ...over,
});

describe("datumId()", () => {
  const base = datumId([input()], sha256);

  test("datumId() is 64 lowercase hex digits", () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each([
    ["commit", { commit: "c2" }],
    ["content hash", { hash: "h2" }],
    ["size", { size: 99 }],
    ["type", { type: "dir" as const }],
    ["reference flag", { reference: true }],
  ])("datumId() ignores the input's %s", (_what, over) => {
    expect(datumId([input(over)], sha256)).toBe(base);
  });

  test.each([
    ["name", { name: "other" }],
    ["repo", { repo: "other" }],
    ["branch", { branch: "dev" }],
    ["path", { path: "/b" }],
  ])("datumId() changes with the input's %s", (_what, over) => {
    expect(datumId([input(over)], sha256)).not.toBe(base);
  });

  test("datumId() does not depend on the order of the inputs", () => {
    const a = input({ name: "a", path: "/1" });
    const b = input({ name: "b", path: "/2" });
    const c = input({ name: "b", path: "/0" });
    expect(datumId([a, b, c], sha256)).toBe(datumId([c, b, a], sha256));
  });

  test("datumId() encodes fields unambiguously", () => {
    const split1 = datumId([input({ name: "ab", repo: "c" })], sha256);
    const split2 = datumId([input({ name: "a", repo: "bc" })], sha256);
    expect(split1).not.toBe(split2);
    const one = datumId([input({ path: '/a","/b' })], sha256);
    const two = datumId([input({ path: "/a" }), input({ path: "/b" })], sha256);
    expect(one).not.toBe(two);
  });
});

describe("datumSortKey()", () => {
  test.each([
    ["orders paths by input name", [["b", "/1"], ["a", "/2"]], ["/2", "/1"]],
    ["orders one name's paths by path", [["a", "/z"], ["a", "/y"], ["b", "/a"]], ["/y", "/z", "/a"]],
    ["compares paths byte-wise", [["in", "/\u{1F600}"], ["in", "/\uFFFD"]], ["/\uFFFD", "/\u{1F600}"]],
  ])("datumSortKey() %s", (_what, pairs, expected) => {
    expect(datumSortKey(pairs.map(([name, path]) => input({ name, path })))).toEqual(expected);
  });
});

describe("makeDatum()", () => {
  test("makeDatum() sorts inputs by name then path and derives id and sortKey", () => {
    const d = makeDatum([input({ name: "z", path: "/1" }), input({ name: "a", path: "/2" })], sha256);
    expect(d.inputs.map((i) => i.name)).toEqual(["a", "z"]);
    expect(d.sortKey).toEqual(["/2", "/1"]);
    expect(d.id).toBe(datumId(d.inputs, sha256));
  });
});

describe("datumHash()", () => {
  const hashOf = (inputs: DatumInput[], salt = "s1") => datumHash(makeDatum(inputs, sha256), salt, sha256);
  const base = hashOf([input(), input({ name: "ref", reference: true })]);

  test.each([
    ["a non-reference input's content", [input({ hash: "h2" }), input({ name: "ref", reference: true })], "s1"],
    ["the salt", [input(), input({ name: "ref", reference: true })], "s2"],
    ["the emptyFiles flag", [input({ emptyFiles: true }), input({ name: "ref", reference: true })], "s1"],
    ["an input becoming non-reference", [input(), input({ name: "ref", reference: false })], "s1"],
    ["the datum id (a path)", [input({ path: "/b" }), input({ name: "ref", reference: true })], "s1"],
  ])("datumHash() changes with %s", (_what, inputs, salt) => {
    expect(hashOf(inputs, salt)).not.toBe(base);
  });

  test.each([
    ["a reference input's content", [input(), input({ name: "ref", reference: true, hash: "other" })]],
    ["the commits", [input({ commit: "c9" }), input({ name: "ref", reference: true, commit: "c9" })]],
    ["the input order", [input({ name: "ref", reference: true }), input()]],
  ])("datumHash() ignores %s", (_what, inputs) => {
    expect(hashOf(inputs)).toBe(base);
  });

  test("datumHash() differs from datumId()", () => {
    const d = makeDatum([input()], sha256);
    expect(datumHash(d, "", sha256)).not.toBe(d.id);
  });
});
