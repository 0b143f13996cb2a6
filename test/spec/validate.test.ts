import { describe, expect, test } from "bun:test";
import type { PipelineSpec } from "../../src/spec/types.ts";
import { ABS, bare, lintText } from "./_lint.ts";

const MINIMAL: PipelineSpec = {
  name: "edges",
  description: "",
  file: ABS,
  transform: { cmd: ["python3", "edges.py"], env: {}, workingDir: "/w/pipelines", acceptReturnCode: [], deps: [] },
  input: { kind: "pfs", name: "images", repo: "images", glob: "/*", branch: "master", outerJoin: false, emptyFiles: false, reference: false },
  parallelism: null,
  datumTries: 3,
  datumTimeoutMs: null,
  jobTimeoutMs: null,
  outputBranch: "master",
  reprocessSpec: "until_success",
  spout: null,
  merge: "append",
  datumBatching: false,
};

const HEAD = `pipeline: {name: edges}
transform: {cmd: [python3, edges.py]}
`;
const PFS = `input: {pfs: {repo: images, glob: "/*"}}\n`;

describe("validateDoc() normalises valid specs", () => {
  test.each<[string, string, Partial<PipelineSpec>]>([
    ["fills every default", HEAD + PFS, {}],
    ["reads JSON as YAML", `{"pipeline": {"name": "edges"},\n\t"transform": {"cmd": ["python3", "edges.py"]},\n\t"input": {"pfs": {"repo": "images", "glob": "/*"}}}`, {}],
    ["keeps the description", HEAD + PFS + "description: finds edges\n", { description: "finds edges" }],
    ["reads parallelism_spec.constant", HEAD + PFS + "parallelism_spec: {constant: 4}\n", { parallelism: 4 }],
    ["reads parallelism_spec.constant 0 as the default, as Pachyderm does", HEAD + PFS + "parallelism_spec: {constant: 0}\n", { parallelism: null }],
    ["reads datum_tries 0 as the default, as Pachyderm does", HEAD + PFS + "datum_tries: 0\n", { datumTries: 3 }],
    ["reads 64-bit integers written as strings", HEAD + PFS + 'parallelism_spec: {constant: "4"}\ndatum_tries: "2"\n', { parallelism: 4, datumTries: 2 }],
    ["converts Go durations to ms", HEAD + PFS + "datum_timeout: 1m30s\njob_timeout: 1.5h\n", { datumTimeoutMs: 90_000, jobTimeoutMs: 5_400_000 }],
    ["rounds a sub-millisecond timeout up", HEAD + PFS + "datum_timeout: 1500us\n", { datumTimeoutMs: 2 }],
    ["reads enums and counts", HEAD + PFS + "datum_tries: 1\nreprocess_spec: every_job\nmerge: error\noutput_branch: out-1\n",
      { datumTries: 1, reprocessSpec: "every_job", merge: "error", outputBranch: "out-1" }],
    ["takes a spout without input", HEAD + "spout: {}\n", { input: null, spout: { overwrite: false } }],
    ["reads spout overwrite and marker", HEAD + "spout: {overwrite: true, marker: offset}\n", { input: null, spout: { overwrite: true, marker: "offset" } }],
    ["resolves anchors and aliases", HEAD.replace("edges}", "&n edges}") + PFS + "description: *n\n", { description: "edges" }],
  ])("validateDoc() %s", (_, text, want) => {
    const { specs, lines } = lintText(text);
    expect(lines).toEqual([]);
    expect(specs.map(bare)).toEqual([{ ...MINIMAL, ...want }]);
  });

  test("validateDoc() fills transform fields and keeps env scalars as written", () => {
    const { specs, lines } = lintText(`pipeline: {name: edges}
transform:
  cmd: [python3, edges.py]
  stdin: [a, b]
  env: {PORT: 080, DEBUG: true, NAME: x}
  working_dir: ../work
  err_cmd: [sh, -c, "exit 0"]
  err_stdin: []
  accept_return_code: [1, 2]
  image: ubuntu:22.04
  deps: [edges.py, ./lib/]
${PFS}`);
    expect(lines).toEqual([]);
    expect(specs[0].transform).toEqual({
      cmd: ["python3", "edges.py"],
      stdin: ["a", "b"],
      env: { PORT: "080", DEBUG: "true", NAME: "x" },
      workingDir: "/w/work",
      errCmd: ["sh", "-c", "exit 0"],
      errStdin: [],
      acceptReturnCode: [1, 2],
      image: "ubuntu:22.04",
      deps: ["edges.py", "lib/"],
    });
  });

  test("validateDoc() keeps an absolute working_dir", () => {
    const { specs } = lintText(HEAD.replace("]}", "], working_dir: /srv/x/}") + PFS);
    expect(specs[0].transform.workingDir).toBe("/srv/x/");
  });

  test("validateDoc() records value positions under field paths", () => {
    const { specs } = lintText(HEAD + PFS);
    expect(specs[0].source).toMatchObject({ file: "pipelines/p.yaml", doc: 0 });
    expect(specs[0].source!.positions["pipeline.name"]).toEqual({ line: 1, col: 18 });
    expect(specs[0].source!.positions["input.pfs.repo"]).toEqual({ line: 3, col: 21 });
  });
});

describe("validateDoc() reports each error with its position", () => {
  const P = "pipelines/p.yaml";
  test.each<[string, string, string[]]>([
    // top level
    ["an unknown field with a suggestion", HEAD + PFS + "paralelism_spec: {constant: 2}\n",
      [`${P}:4:1: paralelism_spec: unknown field (did you mean "parallelism_spec"?)`]],
    ["an unknown nested field", HEAD.replace("edges}", "edges, nmae: x}") + PFS,
      [`${P}:1:25: pipeline.nmae: unknown field (did you mean "name"?)`]],
    ["a duplicate key", HEAD + PFS + "datum_tries: 2\ndatum_tries: 3\n",
      [`${P}:5:1: datum_tries: duplicate key (first at line 4) (remove one of them)`]],
    ["a non-mapping document", "- a\n- b\n", [`${P}:1:1: expected a mapping, got a list`]],
    ["a missing pipeline", "transform: {cmd: [x]}\n" + PFS,
      [`${P}:1:1: pipeline: missing (required) (e.g. pipeline: {name: edges})`]],
    ["a missing transform.cmd", "pipeline: {name: edges}\ntransform: {env: {}}\n" + PFS,
      [`${P}:2:12: transform.cmd: missing (required) (the argv to run, e.g. cmd: [python3, edges.py])`]],
    // names
    ["a bad pipeline name", HEAD.replace("edges}", "-edges}") + PFS,
      [`${P}:1:18: pipeline.name: "-edges" is not a valid pipeline name (use letters, digits, "_" and "-", start and end with a letter or digit, at most 63 characters)`]],
    ["a 64-character name", HEAD.replace("edges}", `${"a".repeat(64)}}`) + PFS,
      [`${P}:1:18: pipeline.name: "${"a".repeat(64)}" is not a valid pipeline name (use letters, digits, "_" and "-", start and end with a letter or digit, at most 63 characters)`]],
    ["the reserved name cron", HEAD.replace("edges}", "cron}") + PFS,
      [`${P}:1:18: pipeline.name: "cron" is reserved ("calf run cron PIPELINE" is a command; choose another name)`]],
    // transform
    ["cmd as a string", "pipeline: {name: edges}\ntransform: {cmd: python3 x.py}\n" + PFS,
      [`${P}:2:18: transform.cmd: expected a list, got a string ("python3 x.py")`]],
    ["an empty cmd", "pipeline: {name: edges}\ntransform: {cmd: []}\n" + PFS, [`${P}:2:18: transform.cmd: must not be empty`]],
    ["a number in cmd", "pipeline: {name: edges}\ntransform: {cmd: [sleep, 5]}\n" + PFS,
      [`${P}:2:26: transform.cmd[1]: expected a string, got a number (5) (quote it: "5")`]],
    ["a list as an env value", "pipeline: {name: edges}\ntransform: {cmd: [x], env: {A: [1]}}\n" + PFS,
      [`${P}:2:32: transform.env.A: expected a string, got a list`]],
    ["an absolute dep", "pipeline: {name: edges}\ntransform: {cmd: [x], deps: [/etc/passwd]}\n" + PFS,
      [`${P}:2:30: transform.deps[0]: "/etc/passwd" must be a path relative to the spec file's folder (e.g. deps: [edges.py, lib/])`]],
    ["an exit code out of range", "pipeline: {name: edges}\ntransform: {cmd: [x], accept_return_code: [256]}\n" + PFS,
      [`${P}:2:44: transform.accept_return_code[0]: 256 is out of range: must be between 0 and 255`]],
    // scalars
    ["a negative parallelism", HEAD + PFS + "parallelism_spec: {constant: -1}\n",
      [`${P}:4:30: parallelism_spec.constant: -1 is out of range: must be at least 0`]],
    ["datum_tries as a word", HEAD + PFS + 'datum_tries: "three"\n', [`${P}:4:14: datum_tries: expected an integer, got a string ("three")`]],
    ["a duration without a unit", HEAD + PFS + "datum_timeout: 30\n",
      [`${P}:4:16: datum_timeout: expected a duration, got a number (30) (add a unit, e.g. "30s")`]],
    ["a bad duration unit", HEAD + PFS + "job_timeout: 5x\n",
      [`${P}:4:14: job_timeout: invalid duration "5x": unknown unit "x" (units: ns, us, ms, s, m, h, combined as in "1h30m" or "1.5h")`]],
    ["a zero duration", HEAD + PFS + "job_timeout: 0s\n", [`${P}:4:14: job_timeout: "0s" must be longer than zero (leave it out for no limit)`]],
    ["an unknown enum value", HEAD + PFS + "merge: apend\n", [`${P}:4:8: merge: "apend" is not one of append, error (did you mean "append"?)`]],
    ["a yes that YAML 1.2 reads as a string", HEAD + "spout: {overwrite: yes}\n",
      [`${P}:3:20: spout.overwrite: expected true or false, got a string ("yes")`]],
    ["a bad output branch", HEAD + PFS + "output_branch: a/b\n",
      [`${P}:4:16: output_branch: "a/b" is not a valid branch name (use letters, digits, "_" and "-")`]],
    ["the marker name out", HEAD + "spout: {marker: out}\n",
      [`${P}:3:17: spout.marker: "out" is reserved for the output folder /pfs/out (choose another marker name)`]],
    // input presence
    ["a missing input", HEAD, [`${P}:1:1: input: missing (required unless the pipeline is a spout) (e.g. input: {pfs: {repo: images, glob: "/*"}})`]],
    ["a spout with an input", HEAD + PFS + "spout: {}\n", [`${P}:3:8: input: a spout takes no input (remove input, or remove spout)`]],
    ["every error of a document at once", "pipeline: {name: cron}\ntransform: {cmd: []}\n" + PFS + "merge: x\n", [
      `${P}:1:18: pipeline.name: "cron" is reserved ("calf run cron PIPELINE" is a command; choose another name)`,
      `${P}:2:18: transform.cmd: must not be empty`,
      `${P}:4:8: merge: "x" is not one of append, error`,
    ]],
  ])("validateDoc() reports %s", (_, text, want) => {
    const { specs, lines } = lintText(text);
    expect(lines).toEqual(want);
    expect(specs).toEqual([]);
  });
});
