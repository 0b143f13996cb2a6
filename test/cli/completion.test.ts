// Shell completion generated from the command table: bash's is sourced in
// bash and asked to complete; zsh's and fish's are syntax-checked and asked
// too where those shells exist, and checked for every command's words and
// flags either way.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { nameOf } from "../../src/cli/args.ts";
import { commands } from "../../src/cli/commands.ts";
import { completionScript } from "../../src/cli/completion.ts";
import { calf } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const has = (shell: string) => spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;
let dir: string;
beforeAll(() => {
  dir = tempDir();
  for (const shell of ["bash", "zsh", "fish"] as const) fs.writeFileSync(path.join(dir, `calf.${shell}`), completionScript(shell, commands));
});
afterAll(() => removeDir(dir));

const verbs = [...new Set(commands.map((c) => c.words[0]!))];
const nouns = (verb: string) => commands.filter((c) => c.words[0] === verb && c.words.length > 1).map((c) => c.words[1]!);
const words = (s: string) => s.trim().split(/\s+/).filter(Boolean).sort();

/** What bash's completion function offers for a command line whose last word is being typed. */
function bashComplete(line: string[]): string[] {
  const r = spawnSync("bash", ["-c", 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _calf; printf "%s\\n" "${COMPREPLY[@]}"', "_", path.join(dir, "calf.bash"), ...line], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return words(r.stdout);
}

describe("completionScript('bash')", () => {
  test.each<[string[], string[]]>([
    [["calf", "pu"], ["put"]],
    [["calf", "li"], ["lint", "list"]],
    [["calf", "-o", "json", "pu"], ["put"]],
    [["calf", "--data-dir", "/x", "li"], ["lint", "list"]],
    [["calf", "put", ""], ["file"]],
    [["calf", "list", ""], nouns("list").sort()],
    [["calf", "list", "re"], ["repo"]],
    [["calf", "put", "file", "r@master:/x", "--ov"], ["--overwrite"]],
    [["calf", "put", "file", "r@master:/x", "-f", "a", "--re"], ["--recursive"]],
    [["calf", "logs", "-f", "-p", "x", "--t"], ["--tail"]],
    [["calf", "list", "job", "--sta"], ["--state"]],
    [["calf", "list", "repo", "--qu"], ["--quiet"]],
    [["calf", "list", "job", "-o", ""], ["json", "text"]],
    [["calf", "completion", ""], ["bash", "fish", "zsh"]],
    [["calf", "help", "pu"], ["put"]],
    [["calf", "help", "list", "da"], ["datum"]],
    [["calf", "run", ""], ["cron"]],
    // the value of a flag is the user's: no command words offered there
    [["calf", "put", "file", "r@master:/x", "-f", ""], []],
    [["calf", "list", "job", "-p", ""], []],
  ])("sourced in bash, it completes %p to %p", (line, want) => {
    expect(bashComplete(line)).toEqual(want);
  });

  test("sourced in bash, it offers every command's own flags after the command", () => {
    for (const c of commands) {
      const offered = bashComplete(["calf", ...c.words, "-"]);
      for (const f of Object.keys(c.flags)) expect({ command: nameOf(c), flag: f, offered: offered.includes(`--${f}`) }).toEqual({ command: nameOf(c), flag: f, offered: true });
    }
  });

  test("bash -n accepts the script", () => {
    expect(spawnSync("bash", ["-n", path.join(dir, "calf.bash")]).status).toBe(0);
  });
});

describe("completionScript('zsh') and completionScript('fish')", () => {
  test.each(["zsh", "fish"] as const)("the %s script names every verb, noun and flag of the table", (shell) => {
    const script = completionScript(shell, commands);
    for (const v of verbs) expect(script).toContain(v);
    for (const c of commands) {
      for (const w of c.words) expect(script).toContain(w);
      for (const f of Object.keys(c.flags)) expect(script).toMatch(shell === "fish" ? new RegExp(`-l ${f}\\b`) : new RegExp(`--${f}\\b`));
    }
    for (const f of ["data-dir", "pipelines", "db", "output", "quiet", "help", "version"]) expect(script).toMatch(shell === "fish" ? new RegExp(`-l ${f}\\b`) : new RegExp(`--${f}\\b`));
  });

  test.skipIf(!has("zsh"))("zsh -n accepts the zsh script, and its function offers verbs, nouns and flags", () => {
    expect(spawnSync("zsh", ["-n", path.join(dir, "calf.zsh")]).status).toBe(0);
    // compadd/_describe/_files stubbed: the function's own logic, outside a completion widget.
    const harness = path.join(dir, "harness.zsh");
    fs.writeFileSync(harness, [
      "compdef() { :; }",
      `source ${JSON.stringify(path.join(dir, "calf.zsh"))}`,
      'compadd() { print -r -- "${(j: :)${@:#--}}"; }',
      '_describe() { local a; for a in "${@:4}"; do [[ $a == -- ]] && continue; print -rl -- "${(@)${(P)a}%%:*}"; done; }',
      '_files() { print -r -- "<files>"; }',
      'words=("$@"); CURRENT=${#words}; _calf',
    ].join("\n"));
    const ask = (...line: string[]) => words(spawnSync("zsh", [harness, ...line], { encoding: "utf8" }).stdout);
    expect(ask("calf", "")).toEqual([...verbs].sort());
    expect(ask("calf", "list", "")).toEqual(nouns("list").sort());
    expect(ask("calf", "put", "file", "x", "--ov")).toContain("--overwrite");
    expect(ask("calf", "list", "job", "-o", "")).toEqual(["json", "text"]);
    expect(ask("calf", "completion", "")).toEqual(["bash", "fish", "zsh"]);
  });

  test.skipIf(!has("fish"))("fish -n accepts the fish script, and fish completes with it", () => {
    const file = path.join(dir, "calf.fish");
    expect(spawnSync("fish", ["-n", file]).status).toBe(0);
    const ask = (line: string) =>
      words(spawnSync("fish", ["-c", `source ${file}; complete -C ${JSON.stringify(line)}`], { encoding: "utf8", cwd: dir }).stdout.split("\n").map((l) => l.split("\t")[0]).join("\n"));
    expect(ask("calf pu")).toEqual(["put"]);
    expect(ask("calf list ")).toEqual(nouns("list").sort());
    expect(ask("calf put file x --ov")).toEqual(["--overwrite"]);
    expect(ask("calf list job --sta")).toEqual(["--state"]);
    expect(ask("calf list job -o ")).toEqual(["json", "text"]);
  });
});

describe("calf completion", () => {
  test("calf completion bash prints the bash script; an unknown shell exits 2 with a did-you-mean", () => {
    const cwd = tempDir();
    try {
      const ok = calf(["completion", "bash"], { cwd });
      expect({ code: ok.code, same: ok.stdout === completionScript("bash", commands) }).toEqual({ code: 0, same: true });
      const bad = calf(["completion", "bsh"], { cwd });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe(`calf: completion: unknown shell "bsh"\nhint: did you mean "bash"?\n`);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      removeDir(cwd);
    }
  });
});
