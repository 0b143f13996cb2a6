import { describe, expect, test } from "bun:test";
import { CRON_FOREIGN, PFS_FOREIGN, TOP_FOREIGN, TRANSFORM_FOREIGN } from "../../src/spec/pachyderm.ts";
import type { PipelineSpec } from "../../src/spec/types.ts";
import { bare, lintText } from "./_lint.ts";

const P = "pipelines/p.yaml";
const HEAD = "pipeline: {name: edges}\ntransform: {cmd: [python3, edges.py]}\n";
const PFS = `input: {pfs: {repo: images, glob: "/*"}}\n`;

/** The spec lintText() reads from `text`, without positions; fails the test on any issue. */
function only(text: string): PipelineSpec {
  const { specs, lines } = lintText(text);
  expect(lines).toEqual([]);
  expect(specs).toHaveLength(1);
  return bare(specs[0]!);
}

describe("validateDoc() reads Pachyderm's protobuf JSON spellings", () => {
  const snake = `pipeline: {name: edges}
transform: {cmd: [sh], working_dir: /srv, err_cmd: [sh], err_stdin: [x], accept_return_code: ["1", 2]}
input:
  join:
    - pfs: {repo: a, glob: "/(*)", join_on: "$1", outer_join: true, empty_files: true}
    - pfs: {repo: b, glob: "/(*)", join_on: "$1"}
parallelism_spec: {constant: "2"}
datum_tries: "4"
output_branch: out
reprocess_spec: every_job
datum_set_spec: {number: "10", size_bytes: 0}
datum_batching: true
`;
  const camel = JSON.stringify({
    pipeline: { name: "edges" },
    transform: { cmd: ["sh"], workingDir: "/srv", errCmd: ["sh"], errStdin: ["x"], acceptReturnCode: ["1", 2], datumBatching: true },
    input: {
      join: [
        { pfs: { repo: "a", glob: "/(*)", joinOn: "$1", outerJoin: true, emptyFiles: true } },
        { pfs: { repo: "b", glob: "/(*)", joinOn: "$1" } },
      ],
    },
    parallelismSpec: { constant: "2" },
    datumTries: "4",
    outputBranch: "out",
    reprocessSpec: "every_job",
    datumSetSpec: { number: "10", sizeBytes: 0 },
  }, null, 2);

  test("validateDoc() reads lowerCamelCase names and string integers as their snake_case twins", () => {
    const want = only(snake);
    expect(want).toMatchObject({ parallelism: 2, datumTries: 4, datumBatching: true, datumSetSpec: { number: 10, sizeBytes: 0, perWorker: 0 } });
    expect(want.transform.acceptReturnCode).toEqual([1, 2]);
    expect(only(camel)).toEqual(want);
  });

  test("validateDoc() records a camelCase field's position under its snake_case path", () => {
    const { specs } = lintText(camel);
    expect(specs[0]!.source!.positions["parallelism_spec.constant"]).toEqual({ line: 43, col: 17 });
    expect(specs[0]!.source!.positions["input.join[0].pfs.join_on"]).toEqual({ line: 28, col: 21 });
  });

  test.each<[string, string, string[]]>([
    ["a camelCase typo, in camelCase", HEAD + PFS + "parallelismSpc: {constant: 2}\n",
      [`${P}:4:1: parallelismSpc: unknown field (did you mean "parallelismSpec"?)`]],
    ["a nested camelCase typo", HEAD + `input: {pfs: {repo: images, glob: "/*", joinOnn: "$1"}}\n`,
      [`${P}:3:41: input.pfs.joinOnn: unknown field (did you mean "joinOn"?)`]],
    ["both spellings of one field", HEAD + PFS + "datum_tries: 2\ndatumTries: 3\n",
      [`${P}:5:1: datum_tries: duplicate key: "datum_tries" and "datumTries" are the same field (first at line 4) (remove one of them)`]],
    ["a bad value under a camelCase name", HEAD + PFS + 'parallelismSpec: {constant: "x"}\n',
      [`${P}:4:29: parallelism_spec.constant: expected an integer, got a string ("x")`]],
    ["a name in neither spelling", HEAD + PFS + "Parallelism_Spec: {constant: 2}\n",
      [`${P}:4:1: Parallelism_Spec: unknown field (did you mean "parallelism_spec"?)`]],
  ])("validateDoc() reports %s", (_, text, want) => {
    expect(lintText(text).lines).toEqual(want);
  });

  test("validateDoc() reads each object of a JSON stream as a spec, with its own positions", () => {
    const one = (name: string) => JSON.stringify({ pipeline: { name }, transform: { cmd: ["x"] }, input: { pfs: { repo: "images", glob: "/*" } } }, null, 2);
    const { specs, lines } = lintText(`${one("a")}\n${one("b")}${one("c").replace('"/*"', '"/["')}`);
    expect(specs.map((s) => s.name)).toEqual(["a", "b"]);
    expect(lines).toEqual([`${P}:44:15: input.pfs.glob: invalid glob "/[": unclosed "[" at offset 1 (add "]", or escape it as "\\[")`]);
  });
});

describe("validateDoc() implements salt, datum_set_spec and datum_batching", () => {
  test.each<[string, string, Partial<PipelineSpec>]>([
    ["keeps salt", HEAD + PFS + "salt: v2\n", { salt: "v2" }],
    ["leaves an empty salt out", HEAD + PFS + 'salt: ""\n', {}],
    ["keeps datum_set_spec", HEAD + PFS + "datum_set_spec: {per_worker: 2}\n", { datumSetSpec: { number: 0, sizeBytes: 0, perWorker: 2 } }],
    ["reads datum_batching at the top level (SPEC)", HEAD + PFS + "datum_batching: true\n", { datumBatching: true }],
    ["reads transform.datum_batching (Pachyderm)", HEAD.replace("]}", "], datum_batching: true}") + PFS, { datumBatching: true }],
  ])("validateDoc() %s", (_, text, want) => {
    const spec = only(text);
    expect({ salt: spec.salt, datumSetSpec: spec.datumSetSpec, datumBatching: spec.datumBatching })
      .toEqual({ salt: undefined, datumSetSpec: undefined, datumBatching: false, ...want });
  });

  test.each<[string, string, string[]]>([
    ["datum_batching in both places", HEAD.replace("]}", "], datum_batching: true}") + PFS + "datum_batching: true\n",
      [`${P}:4:17: datum_batching: is also set as transform.datum_batching (set it in one place)`]],
    ["per_worker with number", HEAD + PFS + "datum_set_spec: {number: 2, per_worker: 2}\n",
      [`${P}:4:41: datum_set_spec.per_worker: cannot be set together with number or size_bytes (keep one of them)`]],
    ["a salt that is not a string", HEAD + PFS + "salt: [1]\n", [`${P}:4:7: salt: expected a string, got a list`]],
  ])("validateDoc() reports %s", (_, text, want) => {
    expect(lintText(text).lines).toEqual(want);
  });
});

describe("validateDoc() sorts Pachyderm-only fields by what ignoring them would do", () => {
  // --- Kubernetes scheduling only: accepted, one notice each ---
  test.each<[string, string, string]>([
    ["resource_requests", HEAD + PFS + 'resource_requests: {memory: 1G, cpu: 1}\n',
      `${P}:4:20: resource_requests: ignored: Kubernetes resource requests and limits; transforms run on this machine`],
    ["resourceLimits", HEAD + PFS + 'resourceLimits: {gpu: {type: nvidia.com/gpu, number: 1}}\n',
      `${P}:4:17: resource_limits: ignored: Kubernetes resource requests and limits; transforms run on this machine`],
    ["sidecar_resource_limits", HEAD + PFS + "sidecar_resource_limits: {cpu: 1}\n",
      `${P}:4:26: sidecar_resource_limits: ignored: Kubernetes resource requests and limits; transforms run on this machine`],
    ["tolerations", HEAD + PFS + "tolerations: [{key: dedicated, operator: EQUAL}]\n",
      `${P}:4:14: tolerations: ignored: Kubernetes pod settings; transforms run on this machine`],
    ["pod_patch", HEAD + PFS + 'pod_patch: "[]x"\n', `${P}:4:12: pod_patch: "[]x" is ignored: Kubernetes pod settings; transforms run on this machine`],
    ["pod_spec", HEAD + PFS + 'pod_spec: "{}x"\n', `${P}:4:11: pod_spec: "{}x" is ignored: Kubernetes pod settings; transforms run on this machine`],
    ["scheduling_spec", HEAD + PFS + "scheduling_spec: {node_selector: {a: b}}\n",
      `${P}:4:18: scheduling_spec: ignored: Kubernetes scheduling (node selector, priority class); transforms run on this machine`],
    ["metadata", HEAD + PFS + "metadata: {labels: {a: b}}\n", `${P}:4:11: metadata: ignored: Kubernetes annotations and labels`],
    ["autoscaling", HEAD + PFS + "autoscaling: true\n", `${P}:4:14: autoscaling: true is ignored: calf starts transforms only while a job runs, on this machine`],
    ["standby", HEAD + PFS + "standby: true\n", `${P}:4:10: standby: true is ignored: calf starts transforms only while a job runs, on this machine`],
    ["enable_stats", HEAD + PFS + "enable_stats: true\n",
      `${P}:4:15: enable_stats: true is ignored: calf always keeps each datum's logs and timing (calf logs, calf list datum)`],
    ["cache_size", HEAD + PFS + "cache_size: 64M\n", `${P}:4:13: cache_size: "64M" is ignored: worker cache tuning`],
    ["max_queue_size", HEAD + PFS + 'max_queue_size: "10"\n', `${P}:4:17: max_queue_size: "10" is ignored: worker queue tuning`],
    ["transform.image_pull_secrets", HEAD.replace("]}", "], image_pull_secrets: [regcred]}") + PFS,
      `${P}:2:59: transform.image_pull_secrets: ignored: container settings; transforms run on the host`],
    ["transform.memory_volume", HEAD.replace("]}", "], memory_volume: true}") + PFS,
      `${P}:2:54: transform.memory_volume: true is ignored: a container's in-memory scratch volume`],
    ["transform.debug", HEAD.replace("]}", "], debug: true}") + PFS, `${P}:2:46: transform.debug: true is ignored: worker debug logging`],
    ["transform.image", HEAD.replace("]}", "], image: ubuntu}") + PFS, `${P}:2:46: transform.image: "ubuntu" is ignored: transforms run on the host`],
    ["input.pfs.lazy", HEAD + `input: {pfs: {repo: images, glob: "/*", lazy: true}}\n`,
      `${P}:3:47: input.pfs.lazy: true is ignored: a download strategy; the transform reads the same files either way`],
    ["input.pfs.project default", HEAD + `input: {pfs: {repo: images, glob: "/*", project: default}}\n`,
      `${P}:3:50: input.pfs.project: "default" is ignored: calf has one namespace of repos, Pachyderm's default project`],
    ["pipeline.project default", HEAD.replace("edges}", "edges, project: {name: default}}") + PFS,
      `${P}:1:34: pipeline.project: ignored: calf has one namespace of repos, Pachyderm's default project`],
    ["parallelism_spec.coefficient", HEAD + PFS + "parallelism_spec: {coefficient: 0.5}\n",
      `${P}:4:33: parallelism_spec.coefficient: 0.5 is ignored: calf's parallelism is parallelism_spec.constant, or the number of CPUs`],
  ])("validateDoc() accepts %s with a notice", (_, text, notice) => {
    const { specs, lines, notices } = lintText(text);
    expect(lines).toEqual([]);
    expect(specs).toHaveLength(1);
    expect(notices).toEqual([notice]);
  });

  // --- fields whose absence would change results: not supported ---
  test.each<[string, string, string]>([
    ["egress", HEAD + PFS + "egress: {URL: s3://bucket/dir}\n",
      `${P}:4:9: egress: not supported by calf: egress copies each output commit to external storage, because calf has no egress step, instead add a downstream pipeline whose transform uploads its input`],
    ["s3_out", HEAD + PFS + "s3_out: true\n",
      `${P}:4:9: s3_out: not supported by calf: s3_out makes the transform write its output through an S3 gateway, because calf serves no S3 gateway, instead write the output files under /pfs/out`],
    ["input.pfs.s3", HEAD + `input: {pfs: {repo: images, glob: "/", s3: true}}\n`,
      `${P}:3:44: input.pfs.s3: not supported by calf: s3 serves the input through an S3 gateway instead of as files, because calf serves no S3 gateway, instead leave s3 out and read the files under /pfs/<name>`],
    ["service", HEAD + PFS + "service: {internal_port: 8888, external_port: 30888}\n",
      `${P}:4:10: service: not supported by calf: service runs a long-lived server behind a Kubernetes service port, because calf runs batch transforms and spouts only, instead run the server outside calf, reading the output repo with calf get file`],
    ["spout.service", HEAD + "spout: {service: {internal_port: 8888}}\n",
      `${P}:3:18: spout.service: not supported by calf: service runs a long-lived server behind a Kubernetes service port, because calf runs batch transforms and spouts only, instead run the server outside calf, reading the output repo with calf get file`],
    ["spec_commit", HEAD + PFS + "spec_commit: {id: abc}\n",
      `${P}:4:14: spec_commit: not supported by calf: spec_commit pins the pipeline to a stored spec, because the pipelines folder is calf's only spec, instead check out the version of the spec file you want`],
    ["input.pfs.commit", HEAD + `input: {pfs: {repo: images, glob: "/*", commit: abc123}}\n`,
      `${P}:3:49: input.pfs.commit: not supported by calf: commit pins the input to one commit, because calf runs on the heads of branches, instead point a branch at that commit and set branch`],
    ["input.pfs.trigger", HEAD + `input: {pfs: {repo: images, glob: "/*", trigger: {size: 1M}}}\n`,
      `${P}:3:50: input.pfs.trigger: not supported by calf: trigger runs the pipeline only when a condition on the branch holds, because calf runs on every new head of the branch, instead read a branch that you move yourself when the condition holds`],
    ["transform.secrets", HEAD.replace("]}", "], secrets: [{name: s, env_var: TOKEN, key: token}]}") + PFS,
      `${P}:2:48: transform.secrets: not supported by calf: secrets mount Kubernetes secrets as files or variables, because calf has no Kubernetes secrets, instead set the variable in calf's own environment (transforms inherit it) or read it from a file the transform can see`],
    ["input.pfs.project other than default", HEAD + `input: {pfs: {repo: images, glob: "/*", project: ml}}\n`,
      `${P}:3:50: input.pfs.project: not supported by calf: a project other than "default" is a separate namespace of repos and pipelines, because calf has one namespace of repos, instead leave project out (repo and pipeline names must then be unique in the folder)`],
    ["input.cron.commit", HEAD + `input: {cron: {name: t, spec: "@daily", commit: abc}}\n`,
      `${P}:3:49: input.cron.commit: not supported by calf: commit pins the input to one commit, because calf runs on the heads of branches, instead point a branch at that commit and set branch`],
    ["a git input (Pachyderm 1.x)", HEAD + `input: {git: {URL: "https://github.com/x/y.git"}}\n`,
      `${P}:3:14: input.git: not supported by calf: a git input is fed by a webhook on pushes, because calf serves no webhooks, instead put the checkout into a repo with calf put file -r --overwrite (e.g. from a git hook) and read it as pfs`],
  ])("validateDoc() refuses %s as not supported", (_, text, issue) => {
    const { specs, lines } = lintText(text);
    expect(lines).toEqual([issue]);
    expect(specs).toEqual([]);
  });

  test.each([
    ["s3_out: false\n"], ["egress: null\n"], ["standby: false\n"], ['pod_patch: ""\n'], ["tolerations: []\n"], ["metadata: {}\n"],
  ])("validateDoc() passes the unset value %p without notice or issue", (line) => {
    const { specs, lines, notices } = lintText(HEAD + PFS + line);
    expect([lines, notices, specs.length]).toEqual([[], [], 1]);
  });

  test("validateDoc() passes repo_type user and s3: false silently", () => {
    const { lines, notices } = lintText(HEAD + `input: {pfs: {repo: images, glob: "/*", repo_type: user, s3: false}}\n`);
    expect([lines, notices]).toEqual([[], []]);
  });

  test("validateDoc() gives s3_out no hint towards spout", () => {
    const { lines } = lintText(HEAD + PFS + "s3_out: true\n");
    expect(lines.join("\n")).not.toContain("spout");
  });

  test("validateDoc() still suggests a Pachyderm field for a typo of it", () => {
    expect(lintText(HEAD + PFS + "standbye: true\n").lines).toEqual([`${P}:4:1: standbye: unknown field (did you mean "standby"?)`]);
  });
});

describe("the Pachyderm-only field tables", () => {
  test.each([
    ["TOP_FOREIGN", TOP_FOREIGN], ["TRANSFORM_FOREIGN", TRANSFORM_FOREIGN], ["PFS_FOREIGN", PFS_FOREIGN], ["CRON_FOREIGN", CRON_FOREIGN],
  ] as const)("%s names snake_case fields only, each ignored or unsupported with a reason", (_, table) => {
    for (const [name, rule] of Object.entries(table)) {
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      if ("ignored" in rule) expect(rule.ignored.length).toBeGreaterThan(10);
      else expect([rule.unsupported, rule.because, rule.instead].every((t) => t.length > 10)).toBe(true);
    }
  });
});
