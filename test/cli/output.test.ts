import { describe, expect, test } from "bun:test";
import { printable, printTable, type Out } from "../../src/cli/output.ts";

const sink = (): Out & { text: () => string } => {
  const parts: string[] = [];
  return { json: false, quiet: false, write: (t) => void parts.push(t), info: () => {}, warn: () => {}, stderr: { write: () => {}, tty: false, columns: () => 80 }, text: () => parts.join("") };
};

describe("printable()", () => {
  test.each([
    ["plain name.txt", "plain name.txt"],
    ["tab\tstays", "tab\tstays"],
    ["clear\x1b[2Jscreen", "clear\\x1b[2Jscreen"],
    ["new\nline", "new\\x0aline"],
    ["bell\x07 del\x7f c1\x9b", "bell\\x07 del\\x7f c1\\x9b"],
    ["bidi \u202egnp.exe", "bidi \\u{202e}gnp.exe"],
    ["ünïcödé ✓", "ünïcödé ✓"],
  ])("printable(%j) is %j", (input, want) => {
    expect(printable(input)).toBe(want);
  });
});

describe("printTable()", () => {
  test("printTable() escapes control characters in every cell, so a file name cannot drive the terminal", () => {
    const out = sink();
    printTable(out, ["PATH", "TYPE"], [["/evil\x1b]0;pwned\x07", "file"]]);
    expect(out.text()).toBe("PATH                   TYPE\n/evil\\x1b]0;pwned\\x07  file\n");
  });
});
