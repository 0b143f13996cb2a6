// README.md is tested: every fenced sh/bash/console block runs, in order, in
// one temp folder (a block starts where the one before it left off, so the
// tour's `cd demo` holds for what follows), with calf from source on PATH.
// A sh block must exit 0 (set -e -o pipefail); each `$ ` line of a console
// block must exit 0 (or the `# exit N` on its line) and print what README
// shows under it. A block that cannot run here says so right above it:
// `<!-- not run: why -->`. Everything happens inside the test's folder
// (HOME and TMPDIR too).
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { MAIN, ROOT } from "./helpers/cli.ts";
import { consoleSteps, matches, normalize, readmeBlocks, SHELL_LANGS, type Block } from "./helpers/readme.ts";
import { removeDir, tempDir } from "./helpers/tmp.ts";

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const blocks = readmeBlocks(README);
const shell = blocks.filter((b) => SHELL_LANGS.has(b.lang));

describe("the README test's own rules", () => {
  test("readmeBlocks() finds fenced blocks with their language and the not-run mark above them", () => {
    const md = "text\n```sh\na\nb\n```\n<!-- not run: needs sudo -->\n\n```console\n$ x\n```\n```yaml\nk: v\n```\n";
    expect(readmeBlocks(md)).toEqual([
      { line: 2, lang: "sh", body: "a\nb" },
      { line: 8, lang: "console", body: "$ x", notRun: "needs sudo" },
      { line: 11, lang: "yaml", body: "k: v" },
    ]);
  });

  test("consoleSteps() splits a console block into commands, their exit codes and shown output", () => {
    expect(consoleSteps("$ calf a\nout 1\nout 2\n$ calf b   # exit 2\n$ c")).toEqual([
      { command: "calf a", exit: 0, expected: ["out 1", "out 2"] },
      { command: "calf b   # exit 2", exit: 2, expected: [] },
      { command: "c", exit: 0, expected: [] },
    ]);
  });

  test.each<[string, string[], string, boolean]>([
    ["the same text", ["a b"], "a b\n", true],
    ["other text", ["a b"], "a c\n", false],
    ["a missing line", ["a", "b"], "a\n", false],
    ["an extra line", ["a"], "a\nb\n", false],
    ["ids, times and durations", ["job 3fa9c2d1e8b0 at 2026-01-02T03:04:05Z took 41 ms"], "job 0b1c2d3e4f56 at 2026-12-05T01:02:03.456Z took 7 ms", true],
    ["table columns of other widths", ["ID  STATE", "ab12cd34ef56  failed"], "ID            STATE\nab12cd34ef56  failed\n", true],
    ["… within a line", ["datum x: …; nothing"], "datum x: in a sandbox; nothing", true],
    ["… as lines (none)", ["a", "…", "b"], "a\nb", true],
    ["… as lines (several)", ["a", "…", "b"], "a\n1\n2\nb", true],
    ["… as lines, the rest differing", ["a", "…", "b"], "a\n1\nc", false],
  ])("matches() with %s: %p", (_n, expected, actual, want) => {
    expect(matches(expected, actual)).toBe(want);
  });

  test("every block that is not run says why", () => {
    for (const b of blocks.filter((x) => x.notRun !== undefined)) expect({ line: b.line, reason: b.notRun!.length > 3 }).toEqual({ line: b.line, reason: true });
  });

  test("README has shell examples to run", () => {
    expect(shell.filter((b) => b.notRun === undefined).length).toBeGreaterThan(5);
  });
});

describe("README.md's examples", () => {
  const root = tempDir("calf-readme-");
  const bin = path.join(root, ".bin");
  const state = path.join(root, ".cwd");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(root, ".home"));
  fs.mkdirSync(path.join(root, ".tmp"));
  fs.writeFileSync(path.join(bin, "calf"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(state, root);
  afterAll(() => removeDir(root));
  const env = {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: path.join(root, ".home"), TMPDIR: path.join(root, ".tmp"), LC_ALL: "C",
    ...(process.env.CALF_SANDBOX ? { CALF_SANDBOX: process.env.CALF_SANDBOX } : {}),
  };
  /** Runs a bash script where the last block left off; returns its exit code and output (stdout and stderr in order). */
  const bash = (script: string) => {
    const cwd = fs.readFileSync(state, "utf8").trim();
    const r = spawnSync("/bin/bash", ["-c", `exec 2>&1\ntrap 'pwd > ${JSON.stringify(state)}' EXIT\n${script}`], { cwd, env, encoding: "utf8", timeout: 120_000 });
    return { code: r.status, out: r.stdout };
  };

  const runnable = shell.map((b) => [`line ${b.line} (${b.lang})${b.notRun !== undefined ? ` not run: ${b.notRun}` : ""}`, b] as [string, Block]);
  test.each(runnable)("README %s", (_name, b) => {
    if (b.notRun !== undefined) return;
    if (b.lang !== "console") {
      const r = bash(`set -e -o pipefail\n${b.body}\n`);
      expect({ block: b.line, code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ block: b.line, code: 0, out: "" });
      return;
    }
    const steps = consoleSteps(b.body);
    const MARK = "@@calf-readme-exit";
    const script = ["set -o pipefail", ...steps.map((s) => `{ ${s.command}\n}; __calf_status=$?; echo; echo "${MARK} $__calf_status"`)].join("\n");
    const r = bash(script);
    const parts = r.out.split(new RegExp(`\\n?\\n${MARK} (\\d+)\\n`));
    steps.forEach((s, i) => {
      const out = parts[2 * i] ?? "";
      const code = Number(parts[2 * i + 1] ?? -1);
      const got = { command: s.command, code, output: matches(s.expected, out) ? "as shown" : normalize(out) };
      expect(got).toEqual({ command: s.command, code: s.exit, output: "as shown" });
    });
  }, 120_000);
});
