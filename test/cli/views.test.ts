// `calf dag` and `calf report` from outside (calf from source, in a private
// folder): from the specs folder alone, after a run with a failed datum, and
// their usage errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf } from "../helpers/cli.ts";
import { listFiles, removeDir, tempDir } from "../helpers/tmp.ts";

const SPECS = {
  "count.yaml": `pipeline: {name: count}\ntransform: {cmd: [sh, -c, 'if grep -q BAD "$books"; then echo "no good: $books" >&2; exit 3; fi; wc -w < "$books" > /pfs/out/$(basename "$books")']}\ninput: {pfs: {repo: books, glob: "/*"}}\ndatum_tries: 1\n`,
  "top.yaml": `pipeline: {name: top}\ntransform: {cmd: [sh, -c, 'cat $count/* | sort -n | tail -1 > /pfs/out/top']}\ninput: {pfs: {repo: count, glob: "/"}}\n`,
};
const hasDot = spawnSync("dot", ["-V"], { stdio: "ignore" }).status === 0;

describe("calf dag from the specs folder alone", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, "pipelines"));
    for (const [f, y] of Object.entries(SPECS)) fs.writeFileSync(path.join(dir, "pipelines", f), y);
  });
  afterAll(() => removeDir(dir));

  test("calf dag with no data dir draws the folder's pipelines, idle, says nothing of repos yet to be made, and creates nothing", () => {
    const r = calf(["dag"], { cwd: dir });
    expect(r).toEqual({ code: 0, stdout: "(books) ──▶ [count: idle] ──▶ (count) ──▶ [top: idle] ──▶ (top)\n\n(repo)  [pipeline: state]\n", stderr: "" });
    expect(fs.readdirSync(dir)).toEqual(["pipelines"]);
  });

  test("calf dag --format svg exits 2 naming the formats", () => {
    const r = calf(["dag", "--format", "svg"], { cwd: dir });
    expect(r).toEqual({ code: 2, stdout: "", stderr: 'calf: --format: "svg" is not a DAG format\nhint: one of: text, dot, mermaid\n' });
    expect(calf(["dag", "--format", "mermiad"], { cwd: dir }).stderr).toContain('did you mean "mermaid"?');
  });
});

describe("calf dag and calf report after a run", () => {
  let dir: string;
  let failedJob: string;
  const run = (args: string[], input?: string) => {
    const r = calf(args, { cwd: dir, input });
    if (r.code !== 0 && args[0] !== "run") throw new Error(`fixture: calf ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  beforeAll(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, "pipelines"));
    for (const [f, y] of Object.entries(SPECS)) fs.writeFileSync(path.join(dir, "pipelines", f), y);
    run(["create", "repo", "books"]);
    run(["put", "file", "books@master:/a.txt", "-f", "-"], "one two three\n");
    run(["run", "--once"]);
    run(["put", "file", "books@master:/bad.txt", "-f", "-"], "BAD\n");
    run(["run", "--once"]);
    failedJob = JSON.parse(run(["list", "job", "-p", "count", "-o", "json"]))[0].id;
  }, 60_000);
  afterAll(() => removeDir(dir));

  test("calf dag shows the states of the last jobs; -o json gives {nodes, edges}", () => {
    expect(calf(["dag"], { cwd: dir }).stdout).toStartWith("(books) ──▶ [count: failing] ──▶ (count) ──▶ [top: success] ──▶ (top)\n");
    const j = JSON.parse(calf(["dag", "-o", "json"], { cwd: dir }).stdout);
    expect(j.nodes.map((n: { id: string }) => n.id).sort()).toEqual(["pipeline:count", "pipeline:top", "repo:books", "repo:count", "repo:top"]);
    expect(j.edges).toHaveLength(4);
  });

  test.skipIf(!hasDot)("calf dag --format dot renders with Graphviz's dot -Tsvg", () => {
    const dot = calf(["dag", "--format", "dot"], { cwd: dir }).stdout;
    const r = spawnSync("dot", ["-Tsvg"], { input: dot, encoding: "utf8" });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toContain("<title>pipeline:count</title>");
  });

  test("calf dag --format mermaid is a flowchart", () => {
    expect(calf(["dag", "--format", "mermaid"], { cwd: dir }).stdout).toStartWith("flowchart LR\n");
  });

  test("calf report JOB -o FILE writes one HTML file with the job, its failed datum's log tail and provenance", () => {
    const r = calf(["report", failedJob.slice(0, 8), "-o", "r.html"], { cwd: dir });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "", stderr: "wrote r.html (1 job)\n" });
    const html = fs.readFileSync(path.join(dir, "r.html"), "utf8");
    expect(html).toStartWith("<!doctype html>");
    expect(html).toContain(`data-job="${failedJob}"`);
    expect(/<pre class="log"><span class="ln err">no good: \S*\/pfs\/books\/bad.txt<\/span><\/pre>/.test(html)).toBe(true);
    expect(/<dt>input commits<\/dt><dd><code>books@[0-9a-f]+<\/code>/.test(html)).toBe(true);
    fs.rmSync(path.join(dir, "r.html"));
  });

  test("calf report alone prints the newest job of every pipeline to stdout; -o json its data", () => {
    const html = calf(["report"], { cwd: dir }).stdout;
    expect(html.match(/<article class="job card/g)).toHaveLength(2);
    const data = JSON.parse(calf(["report", "-o", "json"], { cwd: dir }).stdout);
    expect(data.jobs.map((j: { job: { pipeline: string } }) => j.job.pipeline).sort()).toEqual(["count", "top"]);
    expect(data.jobs.find((j: { job: { pipeline: string } }) => j.job.pipeline === "count").failures[0].log.map((l: { text: string }) => l.text)).toEqual([expect.stringMatching(/^no good: \S*\/pfs\/books\/bad.txt$/)]);
    expect(listFiles(dir).filter((f) => !f.startsWith(".calf/") && !f.startsWith("pipelines/"))).toEqual([]);
  });

  test("calf report NOSUCH exits 2: the job does not exist", () => {
    expect(calf(["report", "abcd1234"], { cwd: dir })).toEqual({ code: 2, stdout: "", stderr: 'calf: job "abcd1234" does not exist\nhint: list jobs with: calf list job\n' });
  });
});
