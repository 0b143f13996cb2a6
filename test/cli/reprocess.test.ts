// calf reprocess: the next run redoes exactly the chosen datums (by id, glob,
// or failed), every other datum still skipped; with no flag, every datum.
// A data command: it works beside a running runner, which picks it up.
import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf, calfBackground } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));

/**
 * Repo `images` with /a.txt, /b.txt, /c.txt and pipeline `sizes` (one datum
 * per file) whose output is "<contents of ./version> <input>": a datum that
 * ran again shows the new version. A file named like the input under ./fail
 * makes that datum fail.
 */
function setup() {
  const cwd = tempDir();
  dirs.push(cwd);
  fs.mkdirSync(path.join(cwd, "pipelines"));
  fs.mkdirSync(path.join(cwd, "fail"));
  fs.writeFileSync(path.join(cwd, "version"), "v1\n");
  fs.writeFileSync(
    path.join(cwd, "pipelines/sizes.yaml"),
    `pipeline: {name: sizes}\ntransform: {cmd: [sh, -c, 'n=$(basename "$images"); [ -e "${cwd}/fail/$n" ] && exit 3; echo "$(cat ${cwd}/version) $(cat "$images")" > /pfs/out/$n']}\ninput: {pfs: {repo: images, glob: "/*"}}\ndatum_tries: 1\n`,
  );
  const run = (args: string[], code = 0) => {
    const r = calf(args, { cwd });
    if (r.code !== code) throw new Error(`calf ${args.join(" ")} exited ${r.code}, not ${code}: ${r.stderr}`);
    return r;
  };
  run(["create", "repo", "images"]);
  for (const n of ["a", "b", "c"]) calf(["put", "file", `images@master:/${n}.txt`, "-f", "-"], { cwd, input: `${n}\n` });
  run(["run", "--once"]);
  const lastJob = () => JSON.parse(run(["list", "job", "-o", "json"]).stdout)[0];
  const datums = (job: string) => JSON.parse(run(["list", "datum", job, "-o", "json"]).stdout) as { id: string; state: string; inputs: { path: string }[] }[];
  const idOf = (job: string, p: string) => datums(job).find((d) => d.inputs[0]!.path === p)!.id;
  const outputs = () => ["a", "b", "c"].map((n) => run(["get", "file", `sizes@master:/${n}.txt`]).stdout.trim());
  const bump = (v: string) => fs.writeFileSync(path.join(cwd, "version"), `${v}\n`);
  return { cwd, run, lastJob, datums, idOf, outputs, bump };
}

const counts = (j: { state: string; datums: { processed: number; skipped: number; failed: number } }) => [j.state, j.datums.processed, j.datums.skipped, j.datums.failed];

describe("calf reprocess", () => {
  test("reprocess P --datum ID (a 4+ character prefix works) redoes only that datum on the next run; the others are skipped", () => {
    const t = setup();
    const j0 = t.lastJob();
    const b = t.idOf(j0.id, "/b.txt");
    t.bump("v2");
    const r = t.run(["reprocess", "sizes", "--datum", b.slice(0, 6)]);
    expect(r.stderr).toBe(`the next run of sizes redoes 1 datum of job ${j0.id.slice(0, 12)}: ${b.slice(0, 12)} (/b.txt); the other 2 are skipped\n`);
    t.run(["run", "--once"]);
    expect(counts(t.lastJob())).toEqual(["success", 1, 2, 0]);
    expect(t.outputs()).toEqual(["v1 a", "v2 b", "v1 c"]);
  });

  test("reprocess P --glob G redoes every datum with an input path matching G, --datum adds to it; -o json names them", () => {
    const t = setup();
    const j0 = t.lastJob();
    t.bump("v2");
    const r = t.run(["reprocess", "sizes", "--glob", "/{a,b}.txt", "--datum", t.idOf(j0.id, "/c.txt"), "-o", "json"]);
    const ids = ["/a.txt", "/b.txt", "/c.txt"].map((p) => t.idOf(j0.id, p));
    expect(JSON.parse(r.stdout)).toEqual({ pipeline: "sizes", job: j0.id, all: false, datums: ids, forgotten_results: 3 });
    t.run(["run", "--once"]);
    expect(counts(t.lastJob())).toEqual(["success", 3, 0, 0]);
    expect(t.outputs()).toEqual(["v2 a", "v2 b", "v2 c"]);
  });

  test("reprocess P --failed makes a failed job's pipeline due again and the next run redoes only the failed datum", () => {
    const t = setup();
    fs.writeFileSync(path.join(t.cwd, "fail/c.txt"), "");
    t.run(["put", "file", "images@master:/c.txt", "-f", "-", "--overwrite"]);
    t.run(["run", "--once"], 1);
    expect(counts(t.lastJob())).toEqual(["failure", 0, 2, 1]);
    fs.rmSync(path.join(t.cwd, "fail/c.txt"));
    // A failed job is not retried on the same inputs...
    t.run(["run", "--once"]);
    expect(counts(t.lastJob())).toEqual(["failure", 0, 2, 1]);
    // ...until asked.
    t.run(["reprocess", "sizes", "--failed"]);
    t.run(["run", "--once"]);
    expect(counts(t.lastJob())).toEqual(["success", 1, 2, 0]);
    // Nothing failed now: nothing to redo, and the pipeline is not made due.
    expect(t.run(["reprocess", "sizes", "--failed"]).stderr).toContain("has no failed datum: nothing to redo");
    t.run(["run", "--once"]);
    expect(JSON.parse(t.run(["list", "job", "-o", "json"]).stdout)).toHaveLength(3);
  });

  test("reprocess P with no flag redoes every datum once", () => {
    const t = setup();
    t.bump("v2");
    t.run(["reprocess", "sizes"]);
    t.run(["run", "--once"]);
    expect(counts(t.lastJob())).toEqual(["success", 3, 0, 0]);
    expect(t.outputs()).toEqual(["v2 a", "v2 b", "v2 c"]);
  });

  test.each<[string, string[], RegExp]>([
    ["an unknown pipeline", ["reprocess", "size"], /^calf: pipeline "size" does not exist\nhint: did you mean "sizes"\?\n$/],
    ["an unknown datum", ["reprocess", "sizes", "--datum", "ffffffff"], /^calf: datum "ffffffff" is not part of job \w{12}, the last job of sizes\nhint: list its datums with: calf list datum \w{12}\n$/],
    ["a glob matching nothing", ["reprocess", "sizes", "--glob", "/z*"], /^calf: no datum of job \w{12} has an input path matching "\/z\*"\nhint: /],
    ["a bad glob", ["reprocess", "sizes", "--glob", "/a["], /^calf: invalid glob "\/a\[": /],
  ])("reprocess with %s exits 2 with one line and a hint, and changes nothing", (_n, args, err) => {
    const t = setup();
    const r = calf(args, { cwd: t.cwd });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
    expect(r.stderr).toMatch(err);
    t.run(["run", "--once"]);
    expect(JSON.parse(t.run(["list", "job", "-o", "json"]).stdout)).toHaveLength(1);
  });

  test("reprocess works while calf run is running: no lock, and the runner runs the datum at once", async () => {
    const t = setup();
    const j0 = t.lastJob();
    const runner = calfBackground(["run"], { cwd: t.cwd });
    try {
      await Bun.sleep(1500); // started and idle: nothing is due
      t.bump("v2");
      t.run(["reprocess", "sizes", "--datum", t.idOf(j0.id, "/a.txt")]);
      await runner.waitFor(/sizes: job \w+ success \(1 processed, 2 skipped/, 20_000);
      expect(t.outputs()).toEqual(["v2 a", "v1 b", "v1 c"]);
    } finally {
      runner.proc.kill("SIGTERM");
      await runner.exited;
    }
  }, 40_000);
});
