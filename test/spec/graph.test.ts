import { describe, expect, test } from "bun:test";
import { findCycles, leafInputs, topoOrder, upstreamRepos } from "../../src/spec/graph.ts";
import { cross, pfs, specs } from "./_specs.ts";

describe("upstreamRepos() and leafInputs()", () => {
  test.each<[string, string, string[]]>([
    ["a pfs input", pfs("a"), ["a"]],
    ["a union, sorted and deduplicated", `{union: [${pfs("b")}, ${pfs("a")}, ${pfs("b")}]}`, ["a", "b"]],
    ["a cron input's repo", `{cron: {name: t, spec: "@daily"}}`, ["p_t"]],
    ["nested inputs", `{union: [${cross("c", "a")}, {cron: {name: t, spec: "@daily", repo: z}}]}`, ["a", "c", "z"]],
  ])("upstreamRepos() lists %s", (_, input, want) => {
    expect(upstreamRepos(specs({ p: input })[0].input)).toEqual(want);
  });

  test("upstreamRepos() of a spout is empty", () => {
    expect(upstreamRepos(specs({ s: "spout" })[0].input)).toEqual([]);
  });

  test("leafInputs() gives the field paths validate records", () => {
    const [spec] = specs({ p: `{union: [${cross("c", "a")}, {cron: {name: t, spec: "@daily"}}]}` });
    const leaves = leafInputs(spec.input);
    expect(leaves.map((l) => l.path)).toEqual(["input.union[0].cross[0].pfs", "input.union[0].cross[1].pfs", "input.union[1].cron"]);
    for (const l of leaves) expect(spec.source!.positions[`${l.path}.repo`] ?? spec.source!.positions[l.path]).toBeDefined();
  });
});

describe("topoOrder()", () => {
  test.each<[string, Record<string, string>, string[]]>([
    ["a chain upstream first", { c: pfs("b"), b: pfs("a"), a: pfs("raw") }, ["a", "b", "c"]],
    ["independent pipelines by name", { z: pfs("raw"), m: pfs("raw"), a: "spout" }, ["a", "m", "z"]],
    ["a diamond, ready pipelines by name", { d: cross("b", "c"), c: pfs("a"), b: pfs("a"), a: pfs("raw") }, ["a", "b", "c", "d"]],
    ["a late-ready pipeline after earlier names", { b: pfs("raw"), a: pfs("c"), c: pfs("raw") }, ["b", "c", "a"]],
    ["cron and spout sources", { s: "spout", t: `{cron: {name: x, spec: "@hourly"}}`, u: cross("s", "t") }, ["s", "t", "u"]],
  ])("topoOrder() puts %s", (_, defs, want) => {
    expect(topoOrder(specs(defs))).toEqual(want);
  });

  test("topoOrder() throws naming a cycle", () => {
    expect(() => topoOrder(specs({ a: pfs("b"), b: pfs("a"), c: pfs("raw") }))).toThrow(new Error("cycle: a -> b -> a"));
  });
});

describe("findCycles()", () => {
  test.each<[string, Record<string, string>, string[][]]>([
    ["none in a DAG", { b: pfs("a"), a: pfs("raw") }, []],
    ["a pipeline reading its own output", { a: pfs("a") }, [["a", "a"]]],
    ["a two-pipeline cycle once per member", { a: pfs("b"), b: pfs("a") }, [["a", "b", "a"], ["b", "a", "b"]]],
    ["a three-pipeline cycle in data-flow order", { a: pfs("c"), b: pfs("a"), c: pfs("b"), d: pfs("c") },
      [["a", "b", "c", "a"], ["b", "c", "a", "b"], ["c", "a", "b", "c"]]],
    ["the shortest cycle through each member", { a: cross("b", "c"), b: pfs("a"), c: pfs("b") },
      [["a", "b", "a"], ["b", "a", "b"], ["c", "a", "b", "c"]]],
  ])("findCycles() finds %s", (_, defs, want) => {
    expect(findCycles(specs(defs))).toEqual(want);
  });
});
