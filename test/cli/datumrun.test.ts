// calf datum run: a past job's datum set up again in a temp folder under
// $TMPDIR and run once (its output shown, nothing committed, the folder
// removed unless --keep), or a shell there with the datum's environment;
// without a sandbox and, where bwrap works, in one. calf runs as a subprocess.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf } from "../helpers/cli.ts";
import { bwrapWorks } from "../helpers/run.ts";
import { listFiles, removeDir, tempDir } from "../helpers/tmp.ts";

let cwd: string;
let tmp: string;
let job: string;
let ok: string;
let bad: string;
let joined: { job: string; datum: string };
const env = (sandbox: string) => ({ TMPDIR: tmp, CALF_SANDBOX: sandbox });
const run = (args: string[], code = 0, input?: string) => {
  const r = calf(args, { cwd, input, env: env("none") });
  if (r.code !== code) throw new Error(`calf ${args.join(" ")} exited ${r.code}, not ${code}: ${r.stderr}`);
  return r;
};
const json = (args: string[]) => JSON.parse(run([...args, "-o", "json"]).stdout);
/** What the data dir holds that a datum run must not change: every repo's commits and every job. */
const state = () => run(["list", "commit", "sizes", "-o", "json"]).stdout + run(["list", "job", "-o", "json"]).stdout;

beforeAll(() => {
  cwd = tempDir();
  tmp = path.join(cwd, "tmp");
  fs.mkdirSync(tmp);
  fs.mkdirSync(path.join(cwd, "pipelines"));
  // /bad fails with exit 3 after a line on each stream; the others write their size.
  fs.writeFileSync(path.join(cwd, "pipelines/sizes.yaml"), `pipeline: {name: sizes}
transform:
  cmd: [sh, -c, 'echo "reading $images"; if [ "$(basename $images)" = bad ]; then echo "cannot handle it" >&2; exit 3; fi; wc -c < $images > /pfs/out/$(basename $images).size']
  env: {MODE: fast}
input: {pfs: {repo: images, glob: "/*"}}
datum_tries: 1
`);
  fs.writeFileSync(path.join(cwd, "pipelines/pairs.yaml"), `pipeline: {name: pairs}
transform: {cmd: [sh, -c, 'echo "$PACH_DATUM_left_JOIN_ON" > /pfs/out/key']}
input:
  join:
    - pfs: {repo: images, name: left, glob: "/(*).txt", join_on: "$1"}
    - pfs: {repo: images, name: right, glob: "/(*).csv", join_on: "$1"}
`);
  run(["create", "repo", "images"]);
  run(["put", "file", "images@master:/ok.txt", "-f", "-"], 0, "12345\n");
  run(["put", "file", "images@master:/ok.csv", "-f", "-"], 0, "1,2\n");
  run(["put", "file", "images@master:/bad", "-f", "-"], 0, "x\n");
  run(["run", "--once"], 1);
  job = json(["list", "job", "-p", "sizes"])[0].id;
  const ds = json(["list", "datum", job]) as { id: string; inputs: { path: string }[] }[];
  ok = ds.find((d) => d.inputs[0]!.path === "/ok.txt")!.id;
  bad = ds.find((d) => d.inputs[0]!.path === "/bad")!.id;
  const pj = json(["list", "job", "-p", "pairs"])[0].id;
  joined = { job: pj, datum: json(["list", "datum", pj])[0].id };
}, 60_000);
afterAll(() => removeDir(cwd));

const sandboxes = ["none", ...(bwrapWorks ? ["bwrap"] : [])];

describe.each(sandboxes)("calf datum run (CALF_SANDBOX=%s)", (sandbox) => {
  const datumRun = (args: string[], input?: string) => calf(["datum", "run", ...args], { cwd, input, env: env(sandbox) });

  test("datum run JOB DATUM runs a failed datum again: its output live, exit 1, nothing committed, no folder left", () => {
    const before = state();
    const r = datumRun([job.slice(0, 8), bad.slice(0, 8)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^reading \S+\/images\/bad\n$/);
    expect(r.stderr).toContain("cannot handle it\n");
    expect(r.stderr).toContain(`calf: datum ${bad.slice(0, 12)}: exit 3 (the datum fails); 0 output files; nothing was committed\n`);
    expect(state()).toBe(before);
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith("calf-datum-"))).toEqual([]);
  });

  test("datum run -o json lists the outputs a successful datum wrote; --keep keeps the folder with inputs and outputs", () => {
    const r = datumRun([job, ok, "--keep", "-o", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ job, datum: ok, exit_code: 0, signal: null, timed_out: false, ok: true, outputs: [{ path: "/ok.txt.size", size_bytes: 2 }] });
    expect(r.stderr).toContain("reading "); // the transform's stdout goes to stderr: stdout is the JSON
    const kept = fs.readdirSync(tmp).filter((n) => n.startsWith(`calf-datum-${ok.slice(0, 12)}-`));
    expect(kept).toHaveLength(1);
    const files = listFiles(path.join(tmp, kept[0]!, "pfs"));
    expect(files).toEqual(["images/ok.txt", "out/ok.txt.size"]);
    expect(fs.readFileSync(path.join(tmp, kept[0]!, "pfs/out/ok.txt.size"), "utf8")).toBe("6\n");
    removeDir(path.join(tmp, kept[0]!));
  });

  test("datum run --shell opens $SHELL with the datum's environment; CALF_TRANSFORM runs the transform; the shell's status is calf's", () => {
    const script = [
      'echo "images=$images job=$PACH_JOB_ID datum=$PACH_DATUM_ID mode=$MODE pipeline=$PPS_PIPELINE_NAME"',
      'cat "$images"',
      'eval "$CALF_TRANSFORM" >/dev/null',
      'cat "$PFS_ROOT/out/ok.txt.size"',
      "exit 7",
    ].join("\n");
    const r = calf(["datum", "run", job, ok, "--shell"], { cwd, input: script, env: { ...env(sandbox), SHELL: "/bin/sh" } });
    expect(r.code).toBe(7);
    const root = sandbox === "bwrap" ? "/pfs" : `${tmp}/calf-datum-${ok.slice(0, 12)}-\\w+/pfs`;
    expect(r.stdout).toMatch(new RegExp(`^images=${root}/images/ok\\.txt job=${job} datum=${ok} mode=fast pipeline=sizes\\n12345\\n6\\n$`));
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith("calf-datum-"))).toEqual([]);
  });

  test("datum run re-cuts a join datum from the job's input commits: its join key is back", () => {
    const r = calf(["datum", "run", joined.job, joined.datum, "--shell"], { cwd, input: 'echo "$PACH_DATUM_left_JOIN_ON $left $right"', env: { ...env(sandbox), SHELL: "/bin/sh" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok \S+\/left\/ok\.txt \S+\/right\/ok\.csv\n$/);
  });
});

describe("calf datum run errors", () => {
  test.each<[string, string[], RegExp]>([
    ["an unknown job", ["datum", "run", "ffffffff", "abcd"], /^calf: job "ffffffff" does not exist\nhint: /],
    ["a datum not in the job", ["datum", "run", "{J}", "ffffffff"], /^calf: datum "ffffffff" is not part of job \w{12}\nhint: list its datums with: calf list datum \w{12}\n$/],
    ["a missing argument", ["datum", "run", "{J}"], /^calf: datum run: missing argument\nhint: usage: calf datum run JOB DATUM/],
  ])("datum run with %s exits 2 with one line and a hint", (_n, args, err) => {
    const r = calf(args.map((a) => (a === "{J}" ? job : a)), { cwd, env: env("none") });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
    expect(r.stderr).toMatch(err);
  });
});
