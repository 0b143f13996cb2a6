// Output scripts can trust: inspect pipeline's spec in SPEC field names (it
// lints as it is and means the same pipeline), whole milliseconds in inspect
// job, and lint -o json diagnostics.
import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { goDuration, specJson } from "../../src/spec/json.ts";
import { parseDuration } from "../../src/cron/duration.ts";
import { loadFolder } from "../../src/spec/load.ts";
import { calf } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));
function folder(specs: Record<string, string>) {
  const cwd = tempDir();
  dirs.push(cwd);
  fs.mkdirSync(path.join(cwd, "pipelines"));
  for (const [n, y] of Object.entries(specs)) fs.writeFileSync(path.join(cwd, "pipelines", n), y);
  const run = (args: string[], opts: { code?: number; input?: string } = {}) => {
    const r = calf(args, { cwd, input: opts.input });
    if (r.code !== (opts.code ?? 0)) throw new Error(`calf ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  return { cwd, run };
}

const FULL = `pipeline: {name: full}
description: every field
transform:
  cmd: [sh, -c, 'cp "$left" /pfs/out/']
  stdin: ["one", "two"]
  env: {MODE: fast}
  working_dir: /tmp
  err_cmd: [sh, -c, "exit 0"]
  accept_return_code: [3]
input:
  cross:
    - pfs: {repo: images, glob: "/*", name: left}
    - pfs: {repo: images, glob: "/", name: right, branch: dev, empty_files: true}
parallelism_spec: {constant: 2}
datum_tries: 5
datum_timeout: 1m30s
job_timeout: 2h
output_branch: out
reprocess_spec: every_job
merge: error
`;

describe("goDuration()", () => {
  test.each<[number, string]>([[0, "0s"], [300, "300ms"], [30_000, "30s"], [90_000, "1m30s"], [5_400_000, "1h30m"], [3_661_001, "1h1m1s1ms"]])(
    "goDuration(%p) is %p and parses back", (ms, text) => {
      expect(goDuration(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    },
  );
});

describe("calf inspect pipeline -o json", () => {
  test("the spec is in SPEC field names (snake_case) and lints back into the same pipeline", async () => {
    const { cwd, run } = folder({ "full.yaml": FULL });
    run(["create", "repo", "images"]);
    run(["run", "--once"]);
    const j = JSON.parse(run(["inspect", "pipeline", "full", "-o", "json"]).stdout);
    expect(j.spec).toEqual({
      pipeline: { name: "full" },
      description: "every field",
      transform: {
        cmd: ["sh", "-c", 'cp "$left" /pfs/out/'], stdin: ["one", "two"], env: { MODE: "fast" }, working_dir: "/tmp",
        err_cmd: ["sh", "-c", "exit 0"], accept_return_code: [3], deps: [],
      },
      input: {
        cross: [
          { pfs: { name: "left", repo: "images", branch: "master", glob: "/*", outer_join: false, empty_files: false, reference: false } },
          { pfs: { name: "right", repo: "images", branch: "dev", glob: "/", outer_join: false, empty_files: true, reference: false } },
        ],
      },
      parallelism_spec: { constant: 2 },
      datum_tries: 5,
      datum_timeout: "1m30s",
      job_timeout: "2h",
      output_branch: "out",
      reprocess_spec: "every_job",
      merge: "error",
    });
    // Written out as a spec file of its own, it lints and is the same pipeline.
    const again = path.join(cwd, "again");
    fs.mkdirSync(again);
    fs.writeFileSync(path.join(again, "full.json"), JSON.stringify(j.spec));
    expect(run(["lint", "--pipelines", again]).stderr).toBe("1 pipeline spec OK\n");
    const original = (await loadFolder(path.join(cwd, "pipelines"), { existingRepos: ["images"] })).specs[0]!;
    const reread = (await loadFolder(again, { existingRepos: ["images"] })).specs[0]!;
    expect(specJson(reread)).toEqual(specJson(original));
  });
});

describe("calf inspect job -o json", () => {
  test("stats and duration_ms are whole milliseconds", () => {
    const { run } = folder({ "up.yaml": `pipeline: {name: up}\ntransform: {cmd: [sh, -c, 'cp "$images" /pfs/out/']}\ninput: {pfs: {repo: images, glob: "/*"}}\n` });
    run(["create", "repo", "images"]);
    run(["put", "file", "images@master:/a", "-f", "-"], { input: "a\n" });
    run(["run", "--once"]);
    const id = JSON.parse(run(["list", "job", "-o", "json"]).stdout)[0].id;
    const j = JSON.parse(run(["inspect", "job", id, "-o", "json"]).stdout);
    expect(Number.isInteger(j.duration_ms)).toBe(true);
    expect(Object.keys(j.stats).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(j.stats)) expect({ k, integer: Number.isInteger(v) }).toEqual({ k, integer: true });
    expect(run(["inspect", "job", id]).stdout).toMatch(/\ntimings: +(\w+=\d+ ?)+\n/);
  });
});

describe("calf lint -o json", () => {
  test("lint -o json prints every problem as {file, line, col, path, message, hint, severity} and exits 2 on an error", () => {
    const { run } = folder({
      "typo.yaml": `pipeline: {name: typo}\ntransform: {cmd: [sh]}\ninput: {pfs: {repo: imgaes, glob: "/*"}}\n`,
      "img.yaml": `pipeline: {name: img}\ntransform: {cmd: [sh], image: "ubuntu:22.04"}\ninput: {pfs: {repo: images, glob: "/*"}}\n`,
    });
    run(["create", "repo", "images"]);
    const r = run(["lint", "-o", "json"], { code: 2 });
    expect(JSON.parse(r.stdout)).toEqual([
      { file: "pipelines/typo.yaml", line: 3, col: 21, path: "input.pfs.repo", message: `repo "imgaes" does not exist`, hint: `did you mean "images"?`, severity: "error" },
      { file: "pipelines/img.yaml", line: 2, col: 31, path: "transform.image", message: `"ubuntu:22.04" is ignored: transforms run on the host`, hint: null, severity: "notice" },
    ]);
    fs.rmSync(path.join(dirs[0]!, "pipelines/typo.yaml"));
    const ok = run(["lint", "-o", "json"]);
    expect(JSON.parse(ok.stdout).map((d: { severity: string }) => d.severity)).toEqual(["notice"]);
  });

  test("lint works where there is no data dir, and creates none", () => {
    const { cwd, run } = folder({ "a.yaml": `pipeline: {name: a}\ntransform: {cmd: [sh]}\ninput: {cron: {name: t, spec: "@daily"}}\n` });
    expect(run(["lint"]).stderr).toBe("1 pipeline spec OK\n");
    expect(fs.readdirSync(cwd)).toEqual(["pipelines"]);
  });
});
