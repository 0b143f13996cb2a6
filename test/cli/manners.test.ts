// How the CLI behaves towards people and pipes: early-closed stdout, binary
// bytes and terminals, unknown names, branches that put file creates, the
// append warning, list filters, diff order, short ids, plan's "waits for
// upstream", and the failed-job summary line. calf runs as a subprocess.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf, MAIN, sh } from "../helpers/cli.ts";
import { removeDir, tempDir, writeFiles } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));

/** A folder with a data dir and repo `images`, and a calf bound to it (throws on an unexpected exit code). */
function setup(specs: Record<string, string> = {}) {
  const cwd = tempDir();
  dirs.push(cwd);
  fs.mkdirSync(path.join(cwd, "pipelines"));
  for (const [name, yaml] of Object.entries(specs)) fs.writeFileSync(path.join(cwd, "pipelines", `${name}.yaml`), yaml);
  const run = (args: string[], opts: { input?: string; code?: number } = {}) => {
    const r = calf(args, { cwd, input: opts.input });
    if (r.code !== (opts.code ?? 0)) throw new Error(`calf ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  run(["create", "repo", "images"]);
  return { cwd, run };
}

const COPY = (name: string, repo: string) =>
  `pipeline: {name: ${name}}\ntransform: {cmd: [sh, -c, 'cp -r "$${repo}" /pfs/out/']}\ninput: {pfs: {repo: ${repo}, glob: "/*"}}\n`;

/** Runs a shell line under a pseudo-terminal (util-linux script): stdout is a TTY. */
function onTty(line: string, cwd: string) {
  const r = spawnSync("script", ["-qec", line, "/dev/null"], { cwd, encoding: "utf8", env: { ...process.env, CALF_SANDBOX: "none" } });
  return { code: r.status, out: r.stdout.replace(/\r\n/g, "\n") };
}
const hasScript = spawnSync("sh", ["-c", "command -v script"]).status === 0;

describe("stdout closed early", () => {
  test("calf plan | head and calf list datum JOB | head on 1500 datums: exit 0, no stack trace", () => {
    const { cwd, run } = setup({ up: COPY("up", "images") });
    writeFiles(path.join(cwd, "src"), Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`f${i}`, `${i}\n`])));
    run(["put", "file", "images@master:/", "-f", "src", "-r"]);
    const plan = sh(`$CALF plan | head -n2 >/dev/null; echo "exit $\{PIPESTATUS[0]}" >&2`, { cwd });
    expect(plan.stderr).toBe("exit 0\n");
    run(["run", "--once"]);
    const job = JSON.parse(run(["list", "job", "-o", "json"]).stdout)[0].id;
    for (const line of [`$CALF list datum ${job} | head -n2`, `$CALF list datum ${job} -o json | head -c1`]) {
      const r = sh(`${line} >/dev/null; echo "exit $\{PIPESTATUS[0]}" >&2`, { cwd });
      expect({ line, stderr: r.stderr }).toEqual({ line, stderr: "exit 0\n" });
    }
  }, 60_000);
});

describe.skipIf(!hasScript)("get file and terminals", () => {
  test("get file refuses a binary file on a terminal (exit 2), writes it with --force, -o FILE or through a pipe", () => {
    const { cwd, run } = setup();
    run(["put", "file", "images@master:/bin", "-f", "-"], { input: "a\0b" });
    run(["put", "file", "images@master:/text", "-f", "-"], { input: "plain text\n" });
    const calfLine = `${process.execPath} ${MAIN}`;
    const refused = onTty(`${calfLine} get file images@master:/bin`, cwd);
    expect(refused).toEqual({ code: 2, out: `calf: get file: "/bin" is binary: not writing it to a terminal\nhint: redirect or pipe it, use -o FILE, or add --force\n` });
    expect(onTty(`${calfLine} get file images@master:/bin --force`, cwd)).toEqual({ code: 0, out: "a\0b" });
    expect(onTty(`${calfLine} get file images@master:/text`, cwd)).toEqual({ code: 0, out: "plain text\n" });
    expect(onTty(`${calfLine} get file images@master:/ -r`, cwd).code).toBe(2);
    expect(onTty(`${calfLine} get file images@master:/bin -o out.bin`, cwd)).toEqual({ code: 0, out: "" });
    expect(fs.readFileSync(path.join(cwd, "out.bin"), "latin1")).toBe("a\0b");
    expect(run(["get", "file", "images@master:/bin"]).stdout).toBe("a\0b");
  });
});

describe("unknown names exit 2", () => {
  let fixture: ReturnType<typeof setup> | undefined;
  afterAll(() => fixture && removeDir(fixture.cwd));
  test.each<[string[], RegExp]>([
    [["logs", "-p", "nosuch"], /^calf: pipeline "nosuch" does not exist\n/],
    [["logs", "-p", "up"], /^$/],
    [["logs", "--job", "abcdef12"], /^calf: job "abcdef12" does not exist\n/],
    [["logs", "--datum", "abcdef12"], /^calf: datum "abcdef12" is not part of any job\n/],
    [["list", "job", "-p", "nosuch"], /^calf: pipeline "nosuch" does not exist\n/],
    [["list", "datum", "abcdef12"], /^calf: job "abcdef12" does not exist\n/],
    [["inspect", "pipeline", "uq"], /^calf: pipeline "uq" does not exist\nhint: did you mean "up"\?\n/],
    [["plan", "nosuch"], /^calf: pipeline "nosuch" does not exist\n/],
    [["run", "--once", "nosuch"], /^calf: pipeline "nosuch" does not exist\n/],
    [["list", "branch", "imagse"], /^calf: repo "imagse" does not exist\nhint: did you mean "images"\?\n/],
    [["list", "job", "--state", "failed"], /^calf: --state: "failed" is not a job state\nhint: did you mean "failure"\?\n/],
    [["list", "datum", "abcdef12", "--state", "sucess"], /^calf: --state: "sucess" is not a datum state\nhint: did you mean "success"\?\n/],
    [["help", "lsit"], /^calf: no help for "lsit": there is no such command\nhint: did you mean "calf help list"\?\n/],
  ])("calf %p: %p", (args, stderr) => {
    fixture ??= (() => {
      const f = setup({ up: COPY("up", "images") });
      f.run(["put", "file", "images@master:/a", "-f", "-"], { input: "a\n" });
      f.run(["run", "--once"]);
      dirs.pop(); // kept for the whole table; removed in afterAll
      return f;
    })();
    const r = fixture.run(args, { code: stderr.source === "^$" ? 0 : 2 });
    expect(r.stderr).toMatch(stderr);
  });

  test("logs --job J --datum D checks the datum belongs to the job; a datum id prefix known from any job prints its log", () => {
    const { run } = setup({ up: `pipeline: {name: up}\ntransform: {cmd: [sh, -c, 'echo "saw $images"']}\ninput: {pfs: {repo: images, glob: "/*"}}\n` });
    run(["put", "file", "images@master:/a", "-f", "-"], { input: "a\n" });
    run(["run", "--once"]);
    const job = JSON.parse(run(["list", "job", "-o", "json"]).stdout)[0].id as string;
    const datum = JSON.parse(run(["list", "datum", job, "-o", "json"]).stdout)[0].id as string;
    expect(run(["logs", "--datum", datum.slice(0, 8)]).stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+Z up \S+ \S+\.1 out \| saw \/\S*\/a\n$/);
    expect(run(["logs", "--job", job, "--datum", "0000aaaa"], { code: 2 }).stderr).toStartWith(`calf: datum "0000aaaa" is not part of job ${job.slice(0, 12)}\n`);
  });
});

describe("branches", () => {
  test("put file to a new branch says it creates it; list/create/delete branch manage branches", () => {
    const { run } = setup();
    const put = run(["put", "file", "images@dev:/a", "-f", "-"], { input: "a\n" });
    expect(put.stderr).toMatch(/^created branch images@dev \(it did not exist\)\ncommitted [0-9a-f]{12} to images@dev\n$/);
    expect(run(["put", "file", "images@dev:/b", "-f", "-"], { input: "b\n" }).stderr).not.toContain("created branch");
    const head = JSON.parse(run(["list", "commit", "images@dev", "-o", "json"]).stdout)[0].id as string;
    run(["create", "branch", "images@feature", "--head", "dev"]);
    run(["create", "branch", "images@empty"]);
    expect(run(["create", "branch", "images@dev"], { code: 2 }).stderr).toStartWith("calf: branch images@dev already exists\n");
    expect(run(["create", "branch", "images@x", "--head", "nosuch"], { code: 2 }).stderr).toStartWith(`calf: "nosuch" is neither a branch nor a commit`);
    const list = JSON.parse(run(["list", "branch", "images", "-o", "json"]).stdout);
    expect(list).toEqual([
      { repo: "images", name: "dev", head, open_commit: null },
      { repo: "images", name: "empty", head: null, open_commit: null },
      { repo: "images", name: "feature", head, open_commit: null },
      { repo: "images", name: "master", head: null, open_commit: null },
    ]);
    expect(run(["get", "file", "images@feature:/b"]).stdout).toBe("b\n");
    run(["delete", "branch", "images@feature"]);
    expect(run(["get", "file", "images@feature:/b"], { code: 2 }).stderr).toStartWith(`calf: "feature" is neither a branch nor a commit of repo "images"`);
    expect(run(["get", "file", `images@${head}:/b`]).stdout).toBe("b\n");
    expect(run(["delete", "branch", "images@devv"], { code: 2 }).stderr).toBe(`calf: branch images@devv does not exist\nhint: did you mean "images@dev"?\n`);
  });

  test("delete branch refuses a branch a pipeline reads, or one with an open commit, unless --force / finished", () => {
    const { run } = setup({ up: COPY("up", "images") });
    run(["put", "file", "images@master:/a", "-f", "-"], { input: "a\n" });
    run(["run", "--once"]);
    expect(run(["delete", "branch", "images@master"], { code: 2 }).stderr).toBe(`calf: branch images@master is used by pipeline up\nhint: change those pipelines first, or pass --force\n`);
    expect(run(["delete", "branch", "up@master"], { code: 2 }).stderr).toStartWith(`calf: branch up@master is used by pipeline up (its output branch)\n`);
    run(["create", "branch", "images@wip"]);
    run(["start", "commit", "images@wip"]);
    expect(run(["delete", "branch", "images@wip"], { code: 2 }).stderr).toStartWith("calf: a commit is open on images@wip\n");
    run(["finish", "commit", "images@wip"]);
    run(["delete", "branch", "images@wip"]);
    run(["delete", "branch", "images@master", "--force"]);
    expect(JSON.parse(run(["list", "branch", "images", "-o", "json"]).stdout)).toEqual([]);
  });
});

describe("put file -r without --overwrite", () => {
  test("re-putting a folder warns that it appended to existing files; --overwrite does not warn", () => {
    const { cwd, run } = setup();
    writeFiles(path.join(cwd, "src"), { "a.txt": "a\n", "b.txt": "b\n", "sub/c.txt": "c\n", "sub/d.txt": "d\n" });
    expect(run(["put", "file", "images@master:/raw", "-f", "src", "-r"]).stderr).not.toContain("warning");
    const again = run(["put", "file", "images@master:/raw", "-f", "src", "-r"]).stderr;
    expect(again).toStartWith("calf: warning: appended to 4 existing files (/raw/a.txt, /raw/b.txt, /raw/sub/c.txt, ...); their content is now doubled if you put the same folder again\nhint: add --overwrite");
    expect(run(["get", "file", "images@master:/raw/a.txt"]).stdout).toBe("a\na\n");
    expect(run(["put", "file", "images@master:/raw", "-f", "src", "-r", "--overwrite"]).stderr).not.toContain("warning");
  });
});

describe("list filters and ids", () => {
  const FLAKY = `pipeline: {name: flaky}\ntransform: {cmd: [sh, -c, 'case "$images" in */bad*) exit 3;; esac; cp "$images" /pfs/out/']}\ninput: {pfs: {repo: images, glob: "/*/*"}}\ndatum_tries: 1\n`;

  test("list job --state and list datum --state/--input filter; text tables show 12-character ids, -o json full ones", () => {
    const { run } = setup({ flaky: FLAKY });
    for (const f of ["x/good1", "x/bad1", "y/good2", "y/bad2"]) run(["put", "file", `images@master:/${f}`, "-f", "-"], { input: `${f}\n` });
    run(["run", "--once"], { code: 1 });
    const jobs = JSON.parse(run(["list", "job", "-o", "json"]).stdout);
    expect(jobs.map((j: { state: string }) => j.state)).toEqual(["failure"]);
    expect(JSON.parse(run(["list", "job", "--state", "success", "-o", "json"]).stdout)).toEqual([]);
    expect(JSON.parse(run(["list", "job", "--state", "failure", "-o", "json"]).stdout).length).toBe(1);
    const job = jobs[0].id as string;
    const paths = (args: string[]) => JSON.parse(run(["list", "datum", job, ...args, "-o", "json"]).stdout).map((d: { inputs: { path: string }[] }) => d.inputs[0]!.path);
    expect(paths([])).toEqual(["/x/bad1", "/x/good1", "/y/bad2", "/y/good2"]);
    expect(paths(["--state", "failed"])).toEqual(["/x/bad1", "/y/bad2"]);
    expect(paths(["--input", "/y"])).toEqual(["/y/bad2", "/y/good2"]);
    expect(paths(["--input", "/y/", "--state", "success"])).toEqual(["/y/good2"]);
    expect(paths(["--input", "/x/good1"])).toEqual(["/x/good1"]);
    // Ids: one short length in every text table.
    const idColumn = (args: string[]) => run(args).stdout.trimEnd().split("\n").slice(1).map((l) => l.split(/\s+/)[0]!);
    for (const args of [["list", "job"], ["list", "datum", job], ["list", "commit", "images"], ["list", "pipeline"]]) {
      const ids = args[1] === "pipeline" ? run(args).stdout.trimEnd().split("\n").slice(1).map((l) => l.split(/\s+/)[4]!) : idColumn(args);
      for (const id of ids) expect({ args, id }).toEqual({ args, id: expect.stringMatching(/^[0-9a-f]{12}$/) });
    }
    expect(JSON.parse(run(["list", "commit", "images", "-o", "json"]).stdout)[0].id).toMatch(/^[0-9a-f]{32}$/);
  });

  test("a failed job's summary line names at most 3 failed datums and how many more", () => {
    const { run } = setup({ flaky: FLAKY });
    for (let i = 0; i < 5; i++) run(["put", "file", `images@master:/d/bad${i}`, "-f", "-"], { input: `${i}\n` });
    const r = run(["run", "--once"], { code: 1 });
    const line = r.stderr.split("\n").find((l) => / flaky: job \S+ failure/.test(l))!;
    expect(line.match(/datum [0-9a-f]+ \(/g)!.length).toBe(3);
    expect(line).toMatch(/; and 2 more failed datums \(calf list datum [0-9a-f]{12} --state failed\)$/);
    // The job's own reason still names all five (SPEC §4.4).
    expect(JSON.parse(run(["list", "job", "-o", "json"]).stdout)[0].reason.match(/datum [0-9a-f]+ \(/g).length).toBe(5);
  });
});

describe("diff file", () => {
  test("diff file A B lists what changed from A to B, as git diff A B does; one ref diffs against its parent", () => {
    const { run } = setup();
    run(["put", "file", "images@master:/a", "-f", "-"], { input: "a\n" });
    run(["put", "file", "images@master:/b", "-f", "-"], { input: "b\n" });
    const diff = (args: string[]) => JSON.parse(run(["diff", "file", ...args, "-o", "json"]).stdout).map((d: { path: string; change: string }) => `${d.change} ${d.path}`);
    expect(diff(["images@master^1", "images@master"])).toEqual(["added /b"]);
    expect(diff(["images@master", "images@master^1"])).toEqual(["deleted /b"]);
    expect(diff(["images@master"])).toEqual(["added /b"]);
    expect(diff(["images@master^1"])).toEqual(["added /a"]);
    expect(diff(["images@master^1:/b", "images@master"])).toEqual(["added /b"]);
    expect(diff(["images@master^1:/a", "images@master"])).toEqual([]);
  });
});

describe("plan", () => {
  test("plan says a downstream pipeline waits for its upstream when the upstream has work; -o json names it in waits_for", () => {
    const { run } = setup({ up: COPY("up", "images"), down: COPY("down", "up"), other: COPY("other", "images") });
    run(["put", "file", "images@master:/a", "-f", "-"], { input: "a\n" });
    run(["run", "--once"]);
    expect(run(["plan"]).stdout.split("\n").filter((l) => /^\w+: /.test(l))).toEqual([
      "other: 0 to process, 1 to skip, 0 to remove", "up: 0 to process, 1 to skip, 0 to remove", "down: 0 to process, 1 to skip, 0 to remove",
    ]);
    run(["put", "file", "images@master:/b", "-f", "-"], { input: "b\n" });
    const text = run(["plan"]).stdout;
    expect(text).toContain("\ndown: waits for upstream up; against its current output: 0 to process, 1 to skip, 0 to remove\n");
    expect(text).toContain("up: 1 to process, 1 to skip, 0 to remove\n");
    // Asked for alone, down still knows about up.
    const json = JSON.parse(run(["plan", "down", "-o", "json"]).stdout);
    expect(json.map((p: { pipeline: string; waits_for: string[] }) => [p.pipeline, p.waits_for])).toEqual([["down", ["up"]]]);
  });
});
