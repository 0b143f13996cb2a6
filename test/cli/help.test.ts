// Help pages and the help each command carries: every command of the table,
// and every flag of every command, must have help (a command added later
// without it fails here), and the pages show it.
import { describe, expect, test } from "bun:test";
import { GLOBAL_FLAGS, nameOf } from "../../src/cli/args.ts";
import { commands } from "../../src/cli/commands.ts";
import { commandHelp, ENVIRONMENT, EXIT_CODES, overviewHelp, topicHelp } from "../../src/cli/help.ts";

const byName = commands.map((c) => [nameOf(c), c] as const);
const PLACEHOLDER = /^[A-Z][A-Z0-9_|.\[\]-]*: \S/;

describe("the command table", () => {
  test("command names are unique", () => {
    const names = commands.map(nameOf);
    expect(names.length).toBe(new Set(names).size);
  });

  test.each(byName)("%s has a summary, a usage line starting with its words, and examples that use it", (name, c) => {
    expect(c.summary.length).toBeGreaterThanOrEqual(8);
    expect(c.usage === name || c.usage.startsWith(`${name} `)).toBe(true);
    expect(c.examples?.length ?? 0).toBeGreaterThan(0);
    for (const e of c.examples!) expect(e).toContain("calf ");
    expect(c.examples!.some((e) => e.includes(`calf ${name}`))).toBe(true);
  });

  test.each(byName)("%s describes every flag in one line (value flags name their value: 'N: ...')", (name, c) => {
    for (const [flag, kind] of Object.entries(c.flags)) {
      const help = c.flagHelp?.[flag];
      expect({ flag, help: typeof help }).toEqual({ flag, help: "string" });
      expect(help!.includes("\n")).toBe(false);
      if (kind !== "bool") expect({ flag, help }).toEqual({ flag, help: expect.stringMatching(PLACEHOLDER) });
      // A flag in the usage line must be one the command has (and the usage names its value flags).
    }
    for (const flag of Object.keys(c.flagHelp ?? {})) expect({ flag, known: flag in c.flags || flag in GLOBAL_FLAGS }).toEqual({ flag, known: true });
    for (const [alias, flag] of Object.entries(c.aliases ?? {})) expect({ alias, known: flag in c.flags || flag in GLOBAL_FLAGS }).toEqual({ alias, known: true });
    for (const m of c.usage.matchAll(/--([a-z-]+)/g)) expect({ usage: m[1], known: m[1]! in c.flags || m[1]! in GLOBAL_FLAGS }).toEqual({ usage: m[1], known: true });
  });
});

describe("commandHelp()", () => {
  test.each(byName)("commandHelp(%s) shows the usage, every flag with its help, examples, environment and exit codes", (name, c) => {
    const page = commandHelp(c);
    expect(page.startsWith(`calf ${name}: ${c.summary}\n`)).toBe(true);
    expect(page).toContain(`usage: calf ${c.usage}\n`);
    for (const flag of [...Object.keys(c.flags), ...Object.keys(GLOBAL_FLAGS)]) {
      const line = page.split("\n").find((l) => new RegExp(`^ +(-\\w, )?--${flag}\\b`).test(l));
      expect({ flag, line: line !== undefined }).toEqual({ flag, line: true });
      const text = (c.flagHelp?.[flag] ?? "").replace(/^[A-Z][A-Z0-9_|.\[\]-]*: /, "");
      if (text) expect(line).toContain(text);
    }
    for (const e of c.examples ?? []) expect(page).toContain(`  ${e}\n`);
    for (const [v] of ENVIRONMENT) expect(page).toContain(`  ${v} `);
    for (const [code] of EXIT_CODES) expect(page).toMatch(new RegExp(`\\n  ${code} +\\S`));
    for (const v of ["CALF_DATA_DIR", "CALF_PIPELINES", "CALF_DB_URL", "CALF_SANDBOX", "CALF_API_TOKEN", "TMPDIR"]) expect(page).toContain(v);
  });

  test("commandHelp() shows a short alias before its long flag and a value flag's placeholder", () => {
    const page = commandHelp(commands.find((c) => nameOf(c) === "put file")!);
    expect(page).toMatch(/\n  -f, --file SRC +a local file, a folder \(with -r\), or - for stdin\n/);
    expect(page).toMatch(/\n      --overwrite +replace existing files/);
    expect(page).toMatch(/\n  -o, --output FORMAT +json or text/);
  });

  test("commandHelp() shows a command's own meaning of a global flag (get file -o FILE)", () => {
    expect(commandHelp(commands.find((c) => nameOf(c) === "get file")!)).toMatch(/\n  -o, --output FILE +write to FILE instead of stdout\n/);
  });
});

describe("topicHelp() and overviewHelp()", () => {
  test.each([...new Set(commands.map((c) => c.words[0]!))])("topicHelp(%p) lists every command under that verb and no other", (verb) => {
    const page = topicHelp(verb, commands);
    for (const c of commands) {
      const listed = page.includes(`calf ${c.usage}  `) || page.includes(`calf ${c.usage}\n`);
      expect({ command: nameOf(c), listed }).toEqual({ command: nameOf(c), listed: c.words[0] === verb });
    }
  });

  test("overviewHelp() lists every command with its summary, the global flags, environment and exit codes", () => {
    const page = overviewHelp(commands, "9.9.9");
    expect(page.startsWith("calf 9.9.9: ")).toBe(true);
    for (const c of commands) expect(page).toMatch(new RegExp(`\\n  ${c.usage.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`));
    for (const f of Object.keys(GLOBAL_FLAGS)) expect(page).toContain(`--${f}`);
    for (const [v] of ENVIRONMENT) expect(page).toContain(v);
    expect(page).toContain("exit codes:");
  });
});
