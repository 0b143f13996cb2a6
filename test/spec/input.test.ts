import { describe, expect, test } from "bun:test";
import type { Input, PfsInput } from "../../src/spec/types.ts";
import { lintText } from "./_lint.ts";

const HEAD = "pipeline: {name: edges}\ntransform: {cmd: [x]}\n";
const P = "pipelines/p.yaml";

const pfs = (repo: string, extra: Partial<PfsInput> = {}): PfsInput => ({
  kind: "pfs", name: repo, repo, glob: "/*", branch: "master", outerJoin: false, emptyFiles: false, reference: false, ...extra,
});

describe("readInput() normalises inputs", () => {
  test.each<[string, string, Input]>([
    ["a pfs input with defaults", `{pfs: {repo: a, glob: "/*"}}`, pfs("a")],
    ["every pfs field", `{pfs: {repo: a, glob: "/(*).txt", name: n, branch: dev, outer_join: true, empty_files: true, reference: true}}`,
      pfs("a", { glob: "/(*).txt", name: "n", branch: "dev", outerJoin: true, emptyFiles: true, reference: true })],
    ["a cross of two repos", `{cross: [{pfs: {repo: a, glob: "/*"}}, {pfs: {repo: b, glob: "/*"}}]}`,
      { kind: "cross", inputs: [pfs("a"), pfs("b")] }],
    ["a union whose members share a name", `{union: [{pfs: {repo: a, glob: "/*", name: x}}, {pfs: {repo: b, glob: "/*", name: x}}]}`,
      { kind: "union", inputs: [pfs("a", { name: "x" }), pfs("b", { name: "x" })] }],
    ["a join on capture groups", `{join: [{pfs: {repo: a, glob: "/(*)", join_on: "$1"}}, {pfs: {repo: b, glob: "/(*)", join_on: "$1", outer_join: true}}]}`,
      { kind: "join", inputs: [pfs("a", { glob: "/(*)", joinOn: "$1" }), pfs("b", { glob: "/(*)", joinOn: "$1", outerJoin: true })] }],
    ["a group by key", `{group: [{pfs: {repo: a, glob: "/(*)-*", group_by: "$1"}}]}`,
      { kind: "group", inputs: [pfs("a", { glob: "/(*)-*", groupBy: "$1" })] }],
    ["a cron input with the default repo", `{cron: {name: tick, spec: "@every 30s"}}`,
      { kind: "cron", name: "tick", spec: "@every 30s", repo: "edges_tick", overwrite: false }],
    ["a cron input with every field", `{cron: {name: t, spec: "0 * * * *", repo: ticks, start: "2026-01-02T03:04:05Z", overwrite: true}}`,
      { kind: "cron", name: "t", spec: "0 * * * *", repo: "ticks", start: "2026-01-02T03:04:05Z", overwrite: true }],
    ["a cron input with catch_up", `{cron: {name: t, spec: "@hourly", catch_up: 24}}`,
      { kind: "cron", name: "t", spec: "@hourly", repo: "edges_t", overwrite: false, catchUp: 24 }],
    ["a cron crossed with a pfs input", `{cross: [{pfs: {repo: a, glob: "/"}}, {cron: {name: t, spec: "@daily"}}]}`,
      { kind: "cross", inputs: [pfs("a", { glob: "/" }), { kind: "cron", name: "t", spec: "@daily", repo: "edges_t", overwrite: false }] }],
  ])("readInput() reads %s", (_, input, want) => {
    const { specs, lines } = lintText(`${HEAD}input: ${input}\n`);
    expect(lines).toEqual([]);
    expect(specs[0].input).toEqual(want);
  });
});

describe("readInput() reports input errors at the offending node", () => {
  test.each<[string, string, string[]]>([
    ["no input kind", "{}", [`${P}:3:8: input: expected exactly one of pfs, cross, union, join, group, cron, got none`]],
    ["two input kinds", `{pfs: {repo: a, glob: "/*"}, cron: {name: t, spec: "@daily"}}`,
      [`${P}:3:8: input: expected exactly one of pfs, cross, union, join, group, cron, got "pfs" and "cron" (combine several inputs with cross, union, join or group)`]],
    ["a misspelt kind", `{psf: {repo: a, glob: "/*"}}`, [`${P}:3:9: input.psf: unknown field (did you mean "pfs"?)`]],
    ["a missing glob", "{pfs: {repo: a}}",
      [`${P}:3:14: input.pfs.glob: missing (required) (e.g. glob: "/*" (one datum per top-level file or folder))`]],
    ["an unbalanced glob", `{pfs: {repo: a, glob: "/(*"}}`,
      [`${P}:3:30: input.pfs.glob: invalid glob "/(*": unclosed "(" at offset 1 (add ")", or escape it as "\\(")`]],
    ["an unclosed bracket", `{pfs: {repo: a, glob: "/[ab"}}`,
      [`${P}:3:30: input.pfs.glob: invalid glob "/[ab": unclosed "[" at offset 1 (add "]", or escape it as "\\[")`]],
    ["an unclosed brace", `{pfs: {repo: a, glob: "/{a,b"}}`,
      [`${P}:3:30: input.pfs.glob: invalid glob "/{a,b": unclosed "{" at offset 1 (add "}", or escape it as "\\{")`]],
    ["a bad repo name", `{pfs: {repo: "a b", glob: "/*"}}`,
      [`${P}:3:21: input.pfs.repo: "a b" is not a valid repo name (use letters, digits, "_" and "-")`]],
    ["the input name out", `{pfs: {repo: a, glob: "/*", name: out}}`,
      [`${P}:3:42: input.pfs.name: "out" is reserved for the output folder /pfs/out (choose another input name)`]],
    ["an empty cross", "{cross: []}", [`${P}:3:16: input.cross: must list at least one input`]],
    ["a name used twice in a cross", `{cross: [{pfs: {repo: a, glob: "/*"}}, {pfs: {repo: a, glob: "/x/*"}}]}`,
      [`${P}:3:60: input.cross[1].pfs.name: input name "a" is used twice (also at input.cross[0].pfs.name) (give one of them another name with name:)`]],
    ["a union member's name reused outside the union",
      `{cross: [{union: [{pfs: {repo: a, glob: "/*"}}, {pfs: {repo: a, glob: "/x"}}]}, {pfs: {repo: a, glob: "/y"}}]}`,
      [`${P}:3:101: input.cross[1].pfs.name: input name "a" is used twice (also at input.cross[0].union[0].pfs.name) (give one of them another name with name:)`]],
    ["a join member that is not pfs", `{join: [{cron: {name: t, spec: "@daily"}}]}`,
      [`${P}:3:16: input.join[0]: join members must be pfs inputs, got cron (a group may hold any input; a join only pfs inputs with join_on)`]],
    ["a join member without join_on", `{join: [{pfs: {repo: a, glob: "/*"}}]}`,
      [`${P}:3:22: input.join[0].pfs.join_on: missing (required) (every join member needs join_on, e.g. join_on: "$1")`]],
    ["a group member without group_by", `{group: [{pfs: {repo: a, glob: "/*"}}]}`,
      [`${P}:3:23: input.group[0].pfs.group_by: missing (required) (every pfs input in a group needs group_by, e.g. group_by: "$1")`]],
    ["a pfs input without group_by inside a group's join", `{group: [{join: [{pfs: {repo: a, glob: "/(*)", join_on: "$1"}}]}]}`,
      [`${P}:3:31: input.group[0].join[0].pfs.group_by: missing (required) (every pfs input in a group needs group_by, e.g. group_by: "$1")`]],
    ["a join inside a join", `{join: [{join: [{pfs: {repo: a, glob: "/(*)", join_on: "$1"}}]}]}`,
      [`${P}:3:16: input.join[0]: join members must be pfs inputs, got join (a group may hold any input; a join only pfs inputs with join_on)`]],
    ["a cron input without a name", `{cron: {spec: "@daily"}}`, [`${P}:3:15: input.cron.name: missing (required) (e.g. name: tick)`]],
    ["a bad cron spec", `{cron: {name: t, spec: "61 * * * *"}}`,
      [`${P}:3:31: input.cron.spec: invalid cron spec "61 * * * *": minute "61" is not in 0-59; expected "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *"), @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually, or "@every <duration>" (e.g. "@every 30s")`]],
    ["a cron catch_up below 1", `{cron: {name: t, spec: "@daily", catch_up: 0}}`, [`${P}:3:51: input.cron.catch_up: 0 is out of range: must be at least 1`]],
    ["a cron start that is not RFC 3339", `{cron: {name: t, spec: "@daily", start: "2026-02-30T00:00:00Z"}}`,
      [`${P}:3:48: input.cron.start: "2026-02-30T00:00:00Z" is not an RFC 3339 time (e.g. start: "2026-01-02T03:04:05Z")`]],
  ])("readInput() reports %s", (_, input, want) => {
    const { specs, lines } = lintText(`${HEAD}input: ${input}\n`);
    expect(lines).toEqual(want);
    expect(specs).toEqual([]);
  });
});
