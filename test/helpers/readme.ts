// Test helper: README.md's shell examples as tests. Fenced `sh`, `bash` and
// `console` blocks, in order; a block preceded by `<!-- not run: REASON -->`
// is skipped. A `console` block's `$ ` lines are commands and the lines under
// each are its output (stdout and stderr together), compared after
// normalising what differs from run to run. Pure: text in, blocks and
// verdicts out.

export interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  body: string;
  /** Why the block is not run (its `<!-- not run: ... -->`), if it is not. */
  notRun?: string;
}

export interface ConsoleStep {
  command: string;
  /** Exit code the command must end with: `# exit N` at the end of its line, else 0. */
  exit: number;
  expected: string[];
}

export const SHELL_LANGS = new Set(["sh", "bash", "console"]);

/** Every fenced block of a Markdown text, with the `not run` mark of the line above it (blank lines between allowed). */
export function readmeBlocks(md: string): Block[] {
  const lines = md.split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    let above = i - 1;
    while (above >= 0 && lines[above]!.trim() === "") above--;
    const mark = above >= 0 ? /^<!--\s*not run:(.*)-->\s*$/.exec(lines[above]!) : null;
    out.push({ line: i + 1, lang: open[1]!, body: lines.slice(i + 1, end).join("\n"), ...(mark ? { notRun: mark[1]!.trim() } : {}) });
    i = end;
  }
  return out;
}

/** A console block's commands, each with the output shown under it. */
export function consoleSteps(body: string): ConsoleStep[] {
  const steps: ConsoleStep[] = [];
  for (const line of body.split("\n")) {
    if (line.startsWith("$ ")) {
      const exit = /\s#\s*exit (\d+)\s*$/.exec(line);
      steps.push({ command: line.slice(2), exit: exit ? Number(exit[1]) : 0, expected: [] });
    } else if (steps.length) steps.at(-1)!.expected.push(line);
    else throw new Error(`a console block must start with a "$ " line, not: ${line}`);
  }
  return steps;
}

/**
 * Output as compared: times, ids and durations replaced by placeholders,
 * runs of blanks as one space (table columns widen with their content),
 * lines trimmed, trailing empty lines dropped.
 */
export function normalize(text: string): string[] {
  const lines = text
    .replace(/\r/g, "")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
    .replace(/\b(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b|\b\d{10,}\b/g, "<id>")
    .replace(/\b\d+ ms\b/g, "<n> ms")
    .split("\n")
    .map((l) => l.replace(/[ \t]+/g, " ").trim());
  while (lines.length && lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * Whether `actual` output matches the `expected` lines shown in README:
 * `…` stands for any text within a line, and a line that is only `…` for
 * any number of lines (none included).
 */
export function matches(expected: string[], actual: string): boolean {
  const want = normalize(expected.join("\n"));
  const got = normalize(actual);
  const line = (w: string, g: string) => new RegExp(`^${w.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(g);
  const at = (i: number, j: number): boolean => {
    if (i === want.length) return j === got.length;
    if (want[i] === "…") return at(i + 1, j) || (j < got.length && at(i, j + 1));
    return j < got.length && line(want[i]!, got[j]!) && at(i + 1, j + 1);
  };
  return at(0, 0);
}
