// The rules every command keeps, checked over the whole command table with
// calf as a subprocess: `--help` works, a mistyped flag gets "did you mean"
// and exit 2, a command that needs data creates nothing where there is none
// (exit 2, "not a calf data dir"), and a reader that closes stdout early
// gets no stack trace. A command added to the table must add a sample here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { GLOBAL_FLAGS, nameOf } from "../../src/cli/args.ts";
import { commands } from "../../src/cli/commands.ts";
import { suggest } from "../../src/spec/suggest.ts";
import { calf, sh } from "../helpers/cli.ts";
import { listFiles, removeDir, tempDir } from "../helpers/tmp.ts";

interface Sample {
  /** Arguments that make a valid call on the fixture ({J}: a job id, {D}: one of its datums, {N}: a number unique per call). */
  args: string[];
  /** Why the early-close check does not apply (the command writes nothing on stdout, or changes data). */
  noStdout?: string;
  /** Names a data-less run in an empty folder may create (a `none` command's own output). */
  creates?: string[];
}

const SAMPLES: Record<string, Sample> = {
  "create repo": { args: ["x"], noStdout: "notices go to stderr" },
  "list repo": { args: [] },
  "delete repo": { args: ["nosuch"], noStdout: "notices go to stderr" },
  "put file": { args: ["images@master:/x", "-f", "-"], noStdout: "notices go to stderr" },
  "delete file": { args: ["images@master:/nosuch"], noStdout: "notices go to stderr" },
  "start commit": { args: ["images@epipe{N}"] },
  "finish commit": { args: ["images@nosuch"], noStdout: "notices go to stderr" },
  "get file": { args: ["images@master:/a.txt"] },
  "list file": { args: ["images@master:/"] },
  "glob file": { args: ["images@master:/*"] },
  "diff file": { args: ["images@master"] },
  "list commit": { args: ["images"] },
  "inspect commit": { args: ["images@master"] },
  "list branch": { args: ["images"] },
  "create branch": { args: ["images@other"], noStdout: "notices go to stderr" },
  "delete branch": { args: ["images@nosuch"], noStdout: "notices go to stderr" },
  lint: { args: ["-o", "json"] },
  plan: { args: [] },
  run: { args: ["--once"], noStdout: "progress goes to stderr" },
  serve: { args: ["--listen", "0.0.0.0:0"], noStdout: "a service writes to stderr only (here: refused before binding)" },
  "install-service": { args: [] },
  "run cron": { args: ["up"], noStdout: "notices go to stderr" },
  "list pipeline": { args: [] },
  "inspect pipeline": { args: ["up"] },
  "stop pipeline": { args: ["up"], noStdout: "changes the pipeline; notices go to stderr" },
  "start pipeline": { args: ["up"], noStdout: "changes the pipeline; notices go to stderr" },
  "list job": { args: [] },
  "inspect job": { args: ["{J}"] },
  "wait job": { args: ["{J}"], noStdout: "the outcome goes to stderr" },
  "wait commit": { args: ["images@master"], noStdout: "the outcome goes to stderr" },
  "list datum": { args: ["{J}"] },
  "inspect datum": { args: ["{J}", "{D}"] },
  "restart datum": { args: ["{J}", "{D}"], noStdout: "changes the pipeline; notices go to stderr" },
  reprocess: { args: ["up", "--datum", "{D}"], noStdout: "changes the pipeline; notices go to stderr" },
  why: { args: ["up@master:/a.txt"] },
  "datum run": { args: ["{J}", "{D}"] },
  logs: { args: ["-p", "up"] },
  dag: { args: [] },
  report: { args: [] },
  init: { args: [], noStdout: "notices go to stderr", creates: ["pipelines", ".calf"] },
  "store push": { args: ["file:backup{N}"] },
  "store pull": { args: ["file:.calf"] },
  worker: { args: ["--join", "http://127.0.0.1:1"], noStdout: "a service writes to stderr only (here: refused without CALF_API_TOKEN)" },
  fsck: { args: ["--quick"] },
  gc: { args: ["--dry-run"] },
  "debug dump": { args: ["-"] },
  help: { args: [] },
  completion: { args: ["bash"] },
};

const table = commands.map((c) => [nameOf(c), c] as const);
const STACK = /\n\s+at |EPIPE|internal error/;

test("every command of the table has a sample in this test (add one for a new command)", () => {
  expect(Object.keys(SAMPLES).sort()).toEqual(commands.map(nameOf).sort());
});

describe("calf COMMAND --help", () => {
  test.each(table)("calf %s --help exits 0 and prints its page, in a folder without data, creating nothing", (name, c) => {
    const cwd = tempDir();
    try {
      const r = calf([...c.words, "--help"], { cwd });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(r.stdout.startsWith(`calf ${name}: `)).toBe(true);
      expect(r.stdout).toContain(`usage: calf ${c.usage}`);
      expect(listFiles(cwd)).toEqual([]);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      removeDir(cwd);
    }
  });

  // Verbs that are not also a command of their own (`run` is, and shows its own page).
  const verbs = [...new Set(commands.map((c) => c.words[0]!))].filter((v) => !commands.some((c) => nameOf(c) === v));
  test.each(verbs)(
    "calf %s --help lists the commands under the verb",
    (verb) => {
      const cwd = tempDir();
      try {
        const r = calf([verb, "--help"], { cwd });
        expect(r.code).toBe(0);
        for (const c of commands.filter((x) => x.words[0] === verb)) expect(r.stdout).toContain(`calf ${c.usage}`);
      } finally {
        removeDir(cwd);
      }
    },
  );
});

describe("a mistyped flag", () => {
  test.each(table)("calf %s with a mistyped flag exits 2 with did-you-mean", (name, c) => {
    const own = Object.keys(c.flags).find((f) => f.length >= 3);
    const meant = own ?? "quiet";
    const typo = `--${meant.slice(0, -1)}`;
    // The typo must not be a flag itself, and the suggester must pick the meant flag back.
    expect(suggest(typo.slice(2), Object.keys({ ...GLOBAL_FLAGS, ...c.flags }))).toBe(meant);
    const cwd = tempDir();
    try {
      const r = calf([...c.words, typo], { cwd });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
      expect(r.stderr).toBe(`calf: unknown flag "${typo}"\nhint: did you mean "--${meant}"? (see: calf ${name} --help)\n`);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      removeDir(cwd);
    }
  });
});

describe("no data dir", () => {
  const needsData = table.filter(([, c]) => c.mode === "read" || (c.mode === "write" && !c.createsData));
  const fill = (args: string[]) => args.map((a) => a.replace("{J}", "abcd1234").replace("{D}", "ef567890").replace("{N}", "1"));

  test.each(needsData)("calf %s in a folder without data exits 2, says so, and creates nothing", (name) => {
    const cwd = tempDir();
    try {
      const r = calf([...name.split(" "), ...fill(SAMPLES[name]!.args)], { cwd, input: "" });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
      expect(r.stderr).toBe(`calf: not a calf data dir: ${cwd}/.calf does not exist\nhint: start one here with "calf create repo NAME", or point --data-dir (or CALF_DATA_DIR) at your data\n`);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      removeDir(cwd);
    }
  });

  test.each(needsData)("calf %s --data-dir NONEXISTENT/x does not create the path", (name) => {
    const cwd = tempDir();
    try {
      const r = calf(["--data-dir", `${cwd}/nonexistent/x`, ...name.split(" "), ...fill(SAMPLES[name]!.args)], { cwd, input: "" });
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith(`calf: not a calf data dir: ${cwd}/nonexistent/x does not exist\n`);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      removeDir(cwd);
    }
  });

  test.each(table.filter(([, c]) => c.mode === "none"))("calf %s (needs no data dir) creates only its own output in a folder without data", (name) => {
    const cwd = tempDir();
    try {
      const r = calf([...name.split(" "), ...SAMPLES[name]!.args], { cwd });
      expect(r.stderr).not.toMatch(STACK);
      expect(fs.readdirSync(cwd).sort()).toEqual([...(SAMPLES[name]!.creates ?? [])].sort());
    } finally {
      removeDir(cwd);
    }
  });
});

describe("stdout closed early", () => {
  let dir: string;
  let vars: Record<string, string>;
  beforeAll(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, "pipelines"));
    fs.writeFileSync(path.join(dir, "pipelines/up.yaml"), `pipeline: {name: up}\ntransform: {cmd: [sh, -c, 'echo "working on $images"; cp "$images" /pfs/out/']}\ninput: {pfs: {repo: images, glob: "/*"}}\n`);
    const run = (args: string[], input?: string) => {
      const r = calf(args, { cwd: dir, input });
      if (r.code !== 0) throw new Error(`fixture: calf ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    run(["create", "repo", "images"]);
    run(["put", "file", "images@master:/a.txt", "-f", "-"], "some text\n");
    run(["put", "file", "images@master:/b.txt", "-f", "-"], "more text\n");
    run(["run", "--once"]);
    const job = JSON.parse(run(["list", "job", "-o", "json"]))[0].id as string;
    const datum = JSON.parse(run(["list", "datum", job, "-o", "json"]))[0].id as string;
    vars = { "{J}": job, "{D}": datum };
  }, 60_000);
  afterAll(() => removeDir(dir));

  const printing = table.filter(([name]) => !SAMPLES[name]?.noStdout);
  test.each(printing)("calf %s | true: no stack trace, exit 0", (name) => {
    // Its reader is gone before calf writes a byte; then again after the first byte.
    for (const [n, reader] of ["true", "head -c1 >/dev/null"].entries()) {
      const args = [...name.split(" "), ...SAMPLES[name]!.args.map((a) => (vars[a] ?? a).replace("{N}", String(n)))];
      const r = sh(`$CALF ${args.map((a) => `'${a}'`).join(" ")} </dev/null | ${reader}; echo "calf exited $\{PIPESTATUS[0]}" >&2`, { cwd: dir });
      expect({ reader, stack: STACK.test(r.stderr), exit: r.stderr.split("\n").at(-2) }).toEqual({ reader, stack: false, exit: "calf exited 0" });
    }
  });
});

describe("calf, calf --version, calf help", () => {
  const inEmpty = (args: string[]) => {
    const cwd = tempDir();
    try {
      return calf(args, { cwd });
    } finally {
      removeDir(cwd);
    }
  };

  test("calf --version from source prints the package version and (dev)", () => {
    const version = JSON.parse(fs.readFileSync(path.join(import.meta.dir, "../../package.json"), "utf8")).version;
    expect(inEmpty(["--version"])).toEqual({ code: 0, stdout: `calf ${version} (dev)\n`, stderr: "" });
  });

  test("calf help COMMAND prints what calf COMMAND --help prints; calf help VERB what calf VERB --help does", () => {
    expect(inEmpty(["help", "put", "file"]).stdout).toBe(inEmpty(["put", "file", "--help"]).stdout);
    expect(inEmpty(["help", "list"]).stdout).toBe(inEmpty(["list", "--help"]).stdout);
    expect(inEmpty(["help"]).stdout).toBe(inEmpty(["--help"]).stdout);
  });

  test("calf alone prints the overview on stderr and exits 2", () => {
    const r = inEmpty([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(inEmpty(["--help"]).stdout);
  });
});
