import { describe, expect, test } from "bun:test";
import { validateSet } from "../../src/spec/crosscheck.ts";
import { formatIssue } from "../../src/spec/format.ts";
import { cross, pfs, specs } from "./_specs.ts";

const P = "pipelines/p.yaml";

describe("validateSet()", () => {
  test.each<[string, Record<string, string>, string[], string[]]>([
    ["accepts existing repos and other pipelines' outputs", { a: pfs("raw"), b: cross("a", "raw") }, ["raw"], []],
    ["accepts reading another pipeline's cron repo", { a: `{cron: {name: t, spec: "@daily"}}`, b: pfs("a_t") }, [], []],
    ["accepts a spout's output as input", { s: "spout", b: pfs("s") }, [], []],
    ["reports an unknown repo with a suggestion", { a: pfs("imgaes") }, ["images"],
      [`${P}:3:21: input.pfs.repo: repo "imgaes" does not exist (did you mean "images"?)`]],
    ["suggests pipeline names too", { edges: pfs("raw"), b: pfs("egdes") }, ["raw"],
      [`${P}:7:21: input.pfs.repo: repo "egdes" does not exist (did you mean "edges"?)`]],
    ["reports an unknown repo without a close name", { a: pfs("zzz") }, ["images"],
      [`${P}:3:21: input.pfs.repo: repo "zzz" does not exist (create it with "calf create repo zzz", or add a pipeline named "zzz")`]],
    ["points at a nested input's repo", { a: cross("raw", "nope") }, ["raw"],
      [`${P}:3:76: input.cross[1].pfs.repo: repo "nope" does not exist (create it with "calf create repo nope", or add a pipeline named "nope")`]],
    ["reports a duplicate name at both definitions", { a: pfs("raw"), "a ": pfs("raw") }, ["raw"], [
      `${P}:1:18: pipeline.name: pipeline "a" is also defined at ${P}:5:18 (pipeline names must be unique)`,
      `${P}:5:18: pipeline.name: pipeline "a" is also defined at ${P}:1:18 (pipeline names must be unique)`,
    ]],
    ["reports a self-loop", { a: pfs("a") }, [],
      [`${P}:3:21: input.pfs.repo: cycle: a -> a (a pipeline must not read its own output, directly or through other pipelines)`]],
    ["reports a cycle at each member's edge", { a: pfs("b"), b: pfs("a") }, [], [
      `${P}:3:21: input.pfs.repo: cycle: a -> b -> a (a pipeline must not read its own output, directly or through other pipelines)`,
      `${P}:7:21: input.pfs.repo: cycle: b -> a -> b (a pipeline must not read its own output, directly or through other pipelines)`,
    ]],
    ["reports a cron repo named like a pipeline", { a: `{cron: {name: t, spec: "@daily", repo: b}}`, b: "spout" }, [],
      [`${P}:3:47: input.cron.repo: cron repo "b" is also the output repo of pipeline "b" (set repo: to another name)`]],
    ["reports a default cron repo colliding with a pipeline", { a_t: "spout", a: `{cron: {name: t, spec: "@daily"}}` }, [],
      [`${P}:7:15: input.cron.repo: cron repo "a_t" is also the output repo of pipeline "a_t" (set repo: to another name)`]],
    ["reports two cron inputs sharing a repo", { a: `{cron: {name: t, spec: "@daily", repo: ticks}}`, b: `{cron: {name: u, spec: "@hourly", repo: ticks}}` }, [], [
      `${P}:3:47: input.cron.repo: cron repo "ticks" is also written by the cron input at ${P}:7:48 (set repo: to another name)`,
      `${P}:7:48: input.cron.repo: cron repo "ticks" is also written by the cron input at ${P}:3:47 (set repo: to another name)`,
    ]],
  ])("validateSet() %s", (_, defs, existing, want) => {
    // "a " in a table key is "a" again: object keys must differ, YAML trims the name.
    expect(validateSet(specs(defs), existing).map(formatIssue)).toEqual(want);
  });
});
