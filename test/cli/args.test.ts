import { describe, expect, test } from "bun:test";
import { bool, int, parseArgs, str, type CommandDef, type Parsed } from "../../src/cli/args.ts";
import { commands } from "../../src/cli/commands.ts";
import { expectThrows } from "../helpers/errors.ts";

/** The real command table (what main.ts parses against). */
const real: CommandDef[] = commands;

/** A small table of its own, so the pure parsing rules do not hang on the real commands. */
const cmds: CommandDef[] = [
  { words: ["list"], flags: {}, usage: "list", summary: "" },
  { words: ["list", "repo"], flags: {}, usage: "list repo", summary: "", maxArgs: 0 },
  { words: ["create", "repo"], flags: { description: "string" }, usage: "create repo NAME", summary: "", minArgs: 1, maxArgs: 1 },
  {
    words: ["put", "file"], usage: "put file REPO:PATH -f SRC", summary: "", minArgs: 1, maxArgs: 1,
    flags: { file: "string", recursive: "bool", overwrite: "bool", tag: "list" }, aliases: { "-f": "file", "-r": "recursive" },
  },
  { words: ["logs"], flags: { follow: "bool", tail: "string" }, aliases: { "-f": "follow" }, usage: "logs", summary: "", maxArgs: 0 },
];
const parse = (argv: string[], table = cmds) => parseArgs(argv, table);
const words = (p: Parsed) => p.command?.words.join(" ") ?? null;

describe("parseArgs()", () => {
  // --- commands, args and flags: [argv, command words, args, flags] ---
  test.each<[string[], string | null, string[], Parsed["flags"]]>([
    [[], null, [], {}],
    [["--version"], null, [], { version: true }],
    [["-h"], null, [], { help: true }],
    [["list", "repo"], "list repo", [], {}],
    [["list"], "list", [], {}],
    [["create", "repo", "images"], "create repo", ["images"], {}],
    // global flags before the command
    [["--data-dir", "/d", "list", "repo"], "list repo", [], { "data-dir": "/d" }],
    [["-o", "json", "--quiet", "list", "repo"], "list repo", [], { output: "json", quiet: true }],
    [["--data-dir=/d", "list", "repo"], "list repo", [], { "data-dir": "/d" }],
    // global flags after the command
    [["list", "repo", "--data-dir", "/d", "-o", "json"], "list repo", [], { "data-dir": "/d", output: "json" }],
    [["create", "repo", "--pipelines=p", "images", "--db", "file:x.db"], "create repo", ["images"], { pipelines: "p", db: "file:x.db" }],
    // command flags, --flag=value, bool values
    [["create", "repo", "images", "--description", "cats and dogs"], "create repo", ["images"], { description: "cats and dogs" }],
    [["create", "repo", "images", "--description=a=b"], "create repo", ["images"], { description: "a=b" }],
    [["create", "repo", "images", "--description="], "create repo", ["images"], { description: "" }],
    [["put", "file", "r:/x", "--overwrite"], "put file", ["r:/x"], { overwrite: true }],
    [["put", "file", "r:/x", "--overwrite=false"], "put file", ["r:/x"], { overwrite: false }],
    [["put", "file", "r:/x", "--overwrite=no"], "put file", ["r:/x"], { overwrite: false }],
    [["put", "file", "r:/x", "--overwrite=yes"], "put file", ["r:/x"], { overwrite: true }],
    [["--quiet=0", "list"], "list", [], { quiet: false }],
    // list flags accumulate; a later string flag wins
    [["put", "file", "r:/x", "--tag", "a", "--tag=b"], "put file", ["r:/x"], { tag: ["a", "b"] }],
    [["list", "--data-dir", "/a", "--data-dir", "/b"], "list", [], { "data-dir": "/b" }],
    // per-command aliases: -f takes a value on put file, is a bool on logs
    [["put", "file", "r:/x", "-f", "src.txt", "-r"], "put file", ["r:/x"], { file: "src.txt", recursive: true }],
    [["put", "file", "r:/x", "-f", "-"], "put file", ["r:/x"], { file: "-" }],
    [["logs", "-f", "--tail", "5"], "logs", [], { follow: true, tail: "5" }],
    // a lone "-" is an argument; "--" ends the flags
    [["create", "repo", "-"], "create repo", ["-"], {}],
    [["create", "repo", "--", "--weird"], "create repo", ["--weird"], {}],
    // a flag value may start with "-"
    [["put", "file", "r:/x", "-f", "-r"], "put file", ["r:/x"], { file: "-r" }],
  ])("parseArgs(%p) parses command, args and flags", (argv, cmd, args, flags) => {
    const p = parse(argv);
    expect({ command: words(p), args: p.args, flags: p.flags }).toEqual({ command: cmd, args, flags });
  });

  test("parseArgs() prefers the longest matching command", () => {
    expect(words(parse(["list", "repo"]))).toBe("list repo");
    expect(words(parse(["list"]))).toBe("list");
  });

  // --- errors ---
  test.each<[string[], string, string | undefined]>([
    [["frobnicate"], `unknown command "frobnicate"`, "run calf --help to list the commands"],
    [["get", "thing", "x"], `unknown command "get thing"`, "run calf --help to list the commands"],
    [["--quiet", "nope", "-r", "x"], `unknown command "nope x"`, undefined],
    [["list", "repo", "--nope"], `unknown flag "--nope"`, "run calf list repo --help to list its flags"],
    [["list", "repo", "--nope=1"], `unknown flag "--nope"`, undefined],
    [["list", "repo", "-x"], `unknown flag "-x"`, "run calf list repo --help to list its flags"],
    [["--nope", "list", "repo"], `unknown flag "--nope"`, "run calf --help to list its flags"],
    // did you mean: commands, nouns and flags
    [["lsit", "repo"], `unknown command "lsit repo"`, `did you mean "calf list repo"?`],
    [["crate", "repo", "x"], `unknown command "crate repo"`, `did you mean "calf create repo"?`],
    [["lgos"], `unknown command "lgos"`, `did you mean "calf logs"?`],
    [["put", "file", "r:/x", "--overwite"], `unknown flag "--overwite"`, `did you mean "--overwrite"? (see: calf put file --help)`],
    [["put", "file", "r:/x", "-overwrite"], `unknown flag "-overwrite"`, `did you mean "--overwrite"? (see: calf put file --help)`],
    [["put", "file", "r:/x", "--data-dri", "d"], `unknown flag "--data-dri"`, `did you mean "--data-dir"? (see: calf put file --help)`],
    [["--quite", "list", "repo"], `unknown flag "--quite"`, `did you mean "--quiet"? (see: calf --help)`],
    [["--description", "x", "create", "repo", "a"], `unknown flag "--description"`, undefined],
    [["list", "repo", "-r"], `unknown flag "-r"`, undefined],
    [["logs", "--file", "x"], `unknown flag "--file"`, undefined],
    [["list", "repo", "--data-dir"], `flag "--data-dir" needs a value`, undefined],
    [["put", "file", "r:/x", "-f"], `flag "-f" needs a value`, undefined],
    [["create", "repo"], "create repo: missing argument", "usage: calf create repo NAME"],
    [["create", "repo", "a", "b"], `create repo: unexpected argument "b"`, "usage: calf create repo NAME"],
    [["list", "repo", "extra"], `list repo: unexpected argument "extra"`, "usage: calf list repo"],
  ])("parseArgs(%p) is a usage error", (argv, message, hint) => {
    expectThrows(() => parse(argv), { code: "usage", message, hint });
  });

  // --- a verb without its noun, on the real table ---
  test.each<[string[], string, string]>([
    [["list", "repos"], `unknown command "list repos"`, `did you mean "calf list repo"?`],
    [["put", "fiel", "r:/x"], `unknown command "put fiel"`, `did you mean "calf put file"?`],
    [["get", "banana"], `unknown command "get banana"`, `"get" takes one of: file (see: calf get --help)`],
    [["inspect"], `"inspect" needs one of: commit, pipeline, job, datum`, "see: calf inspect --help"],
  ])("parseArgs(%p) on the real table is a usage error saying what was meant", (argv, message, hint) => {
    expectThrows(() => parse(argv, real), { code: "usage", message, hint });
  });

  test("parseArgs() turns a verb with --help into a topic (calf list --help), not an error", () => {
    const p = parse(["list", "--help"], real);
    expect({ command: p.command, topic: p.topic, help: p.flags.help }).toEqual({ command: null, topic: ["list"], help: true });
    expect(parse(["-o", "json", "put", "-h"], real).topic).toEqual(["put"]);
  });

  test("parseArgs() skips the argument count checks under --help", () => {
    const p = parse(["create", "repo", "--help"]);
    expect(words(p)).toBe("create repo");
    expect(p.flags.help).toBe(true);
  });

  // --- the real command table ---
  test.each<[string[], string, Parsed["flags"]]>([
    [["put", "file", "images@master:/a", "-f", "a.txt", "-r", "--overwrite"], "put file", { file: "a.txt", recursive: true, overwrite: true }],
    [["logs", "-f", "-p", "edges"], "logs", { follow: true, pipeline: "edges" }],
    [["get", "file", "images@master:/a", "-o", "out.bin"], "get file", { output: "out.bin" }],
    [["list", "commit", "images", "-n", "3", "-o", "json"], "list commit", { number: "3", output: "json" }],
    [["run", "--once", "--parallelism=2", "edges"], "run", { once: true, parallelism: "2" }],
    [["run", "cron", "edges"], "run cron", {}],
  ])("parseArgs(%p) parses the real %p command", (argv, cmd, flags) => {
    const p = parse(argv, real);
    expect({ command: words(p), flags: p.flags }).toEqual({ command: cmd, flags });
  });

  test("parseArgs() treats -f as a bool on logs: the next word is not taken as its value", () => {
    expectThrows(() => parse(["logs", "-f", "edges"], real), { code: "usage", message: `logs: unexpected argument "edges"` });
  });
});

describe("str() / bool() / int()", () => {
  const flags: Parsed["flags"] = { s: "x", b: true, f: false, n: "42", bad: "4x", neg: "-1", l: ["a"] };
  test.each<[string, unknown]>([
    ["s", "x"],
    ["b", undefined],
    ["l", undefined],
    ["missing", undefined],
  ])("str(flags, %p) is %p", (name, want) => {
    expect(str(flags, name)).toBe(want as string | undefined);
  });
  test.each<[string, boolean]>([
    ["b", true],
    ["f", false],
    ["s", false],
    ["missing", false],
  ])("bool(flags, %p) is %p", (name, want) => {
    expect(bool(flags, name)).toBe(want);
  });
  test("int() reads a whole number and is undefined when absent", () => {
    expect(int(flags, "n")).toBe(42);
    expect(int(flags, "missing")).toBeUndefined();
  });
  test.each(["bad", "neg"])("int(flags, %p) is a usage error naming the flag and value", (name) => {
    expectThrows(() => int(flags, name), { code: "usage", message: `--${name} takes a whole number, got "${flags[name]}"` });
  });
});
