import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatIssue } from "../../src/spec/format.ts";
import { loadFolder } from "../../src/spec/load.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "calf-load-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const TOP = "pipeline, description, transform, input, parallelism_spec, datum_tries, datum_timeout, job_timeout, output_branch, reprocess_spec, spout, merge, datum_batching, salt, datum_set_spec";

const spec = (name: string, input: string, extra = "") =>
  `pipeline: {name: ${name}}\ntransform: {cmd: [x]${extra}}\ninput: {pfs: {repo: ${input}, glob: "/*"}}\n`;

/** A fresh folder holding `files` (a name ending in "/" is a folder). */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(root, "p-"));
  for (const [name, text] of Object.entries(files)) {
    if (name.endsWith("/")) await mkdir(join(dir, name), { recursive: true });
    else await writeFile(join(dir, name), text);
  }
  return dir;
}

describe("loadFolder()", () => {
  test("loadFolder() reads every .yaml, .yml and .json directly in the folder, sorted", async () => {
    const dir = await folder({
      "b.yml": spec("b", "raw"),
      "a.yaml": spec("a1", "raw") + "---\n" + spec("a2", "a1"),
      "c.json": JSON.stringify({ pipeline: { name: "c" }, transform: { cmd: ["x"] }, input: { pfs: { repo: "b", glob: "/" } } }),
      "notes.txt": "not a spec: [",
      "sub/": "",
      "sub.yaml/": "", // a folder named like a spec is not a spec
    });
    const r = await loadFolder(dir, { existingRepos: ["raw"] });
    expect(r.issues.map(formatIssue)).toEqual([]);
    expect(r.specs.map((s) => s.name)).toEqual(["a1", "a2", "b", "c"]);
    expect(r.specs.map((s) => s.source!.file)).toEqual([join(dir, "a.yaml"), join(dir, "a.yaml"), join(dir, "b.yml"), join(dir, "c.json")]);
    expect(r.specs[0].file).toBe(join(dir, "a.yaml"));
    expect(r.notices).toEqual([]);
  });

  test("loadFolder() reports a missing folder with a hint", async () => {
    const dir = join(root, "nope");
    const r = await loadFolder(dir, { existingRepos: [] });
    expect(r.issues.map(formatIssue)).toEqual([
      `${dir}: pipelines folder "${dir}" does not exist (create it, or point --pipelines (or CALF_PIPELINES) at your specs)`,
    ]);
    expect(r.specs).toEqual([]);
  });

  test("loadFolder() reports every issue of every file at once, in reading order", async () => {
    const dir = await folder({
      "a.yaml": spec("a", "imgaes") + "paralelism_spec: {constant: 2}\n",
      "b.yaml": "x: [\n",
      "c.yaml": spec("c", "imgaes"),
    });
    const r = await loadFolder(dir, { existingRepos: ["images"] });
    expect(r.issues.map(formatIssue)).toEqual([
      `${dir}/a.yaml:4:1: paralelism_spec: unknown field (did you mean "parallelism_spec"?)`,
      `${dir}/b.yaml:2:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      `${dir}/c.yaml:3:21: input.pfs.repo: repo "imgaes" does not exist (did you mean "images"?)`,
    ]);
    expect(r.specs.map((s) => s.name)).toEqual(["c"]);
  });

  test("loadFolder() still counts an invalid spec's name as a known repo", async () => {
    const dir = await folder({ "a.yaml": spec("a", "raw") + "bogus: 1\n", "b.yaml": spec("b", "a") });
    const r = await loadFolder(dir, { existingRepos: ["raw"] });
    expect(r.issues.map(formatIssue)).toEqual([`${dir}/a.yaml:4:1: bogus: unknown field (known fields: ${TOP})`]);
  });

  test("loadFolder() checks that transform.deps exist relative to the spec file", async () => {
    const dir = await folder({
      "a.yaml": spec("a", "raw", ", deps: [run.py, lib/, run.py/, gone.py]"),
      "run.py": "print()",
      "lib/": "",
    });
    const r = await loadFolder(dir, { existingRepos: ["raw"] });
    expect(r.issues.map(formatIssue)).toEqual([
      `${dir}/a.yaml:2:44: transform.deps[2]: "run.py/" is not a folder (drop the trailing / to name a file)`,
      `${dir}/a.yaml:2:53: transform.deps[3]: "gone.py" does not exist (deps are relative to ${dir})`,
    ]);
  });

  test("loadFolder() turns image into a notice, not an issue", async () => {
    const dir = await folder({ "a.yaml": spec("a", "raw", ", image: ubuntu:22.04") });
    const r = await loadFolder(dir, { existingRepos: ["raw"] });
    expect(r.issues).toEqual([]);
    expect(r.notices).toEqual([`${dir}/a.yaml:2:30: transform.image: "ubuntu:22.04" is ignored: transforms run on the host`]);
  });

  test("loadFolder() reads a .json file of several Pachyderm specs, with one notice per ignored field", async () => {
    const one = (name: string, extra: object) =>
      JSON.stringify({ pipeline: { name }, transform: { image: "ubuntu", cmd: ["sh"] }, input: { pfs: { repo: "raw", glob: "/*" } }, ...extra }, null, 2);
    const dir = await folder({ "p.json": one("a", { parallelismSpec: { constant: "1" } }) + "\n" + one("b", { standby: true }) });
    const r = await loadFolder(dir, { existingRepos: ["raw"] });
    expect(r.issues).toEqual([]);
    expect(r.specs.map((s) => [s.name, s.parallelism])).toEqual([["a", 1], ["b", null]]);
    expect(r.notices).toEqual([
      `${dir}/p.json:6:14: transform.image: "ubuntu" is ignored: transforms run on the host`,
      `${dir}/p.json:26:14: transform.image: "ubuntu" is ignored: transforms run on the host`,
      `${dir}/p.json:37:14: standby: true is ignored: calf starts transforms only while a job runs, on this machine`,
    ]);
  });

  test("loadFolder() with files reports only their issues but knows the folder's other pipelines", async () => {
    const dir = await folder({
      "up.yaml": spec("up", "raw") + "bogus: 1\n",
      "down.yaml": spec("down", "up") + "---\n" + spec("down2", "missing"),
    });
    const r = await loadFolder(dir, { existingRepos: ["raw"], files: [join(dir, "down.yaml")] });
    expect(r.issues.map(formatIssue)).toEqual([
      `${dir}/down.yaml:7:21: input.pfs.repo: repo "missing" does not exist (create it with "calf create repo missing", or add a pipeline named "missing")`,
    ]);
    expect(r.specs.map((s) => s.name)).toEqual(["down", "down2"]);
  });

  test("loadFolder() with files reports a cycle through a file not named", async () => {
    const dir = await folder({ "a.yaml": spec("a", "b"), "b.yaml": spec("b", "a") });
    const r = await loadFolder(dir, { existingRepos: [], files: [join(dir, "b.yaml")] });
    expect(r.issues.map(formatIssue)).toEqual([
      `${dir}/b.yaml:3:21: input.pfs.repo: cycle: b -> a -> b (a pipeline must not read its own output, directly or through other pipelines)`,
    ]);
  });

  test("loadFolder() with files reports a named file that does not exist", async () => {
    const dir = await folder({});
    const file = join(dir, "gone.yaml");
    const r = await loadFolder(dir, { existingRepos: [], files: [file] });
    expect(r.issues.map(formatIssue)).toEqual([`${file}: file does not exist`]);
  });
});
