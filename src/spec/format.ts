// How spec issues read on a terminal: `file:line:col: field.path: message (hint)`.
// Pure; no I/O.

import type { SpecIssue } from "./types.ts";

export function formatIssue(i: SpecIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.col}` : i.file;
  const what = i.path === "" ? i.message : `${i.path}: ${i.message}`;
  return `${where}: ${what}${i.hint === undefined ? "" : ` (${i.hint})`}`;
}

/** Issues in reading order: by file, then line, then column. */
export function sortIssues(issues: SpecIssue[]): SpecIssue[] {
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...issues].sort((a, b) => cmp(a.file, b.file) || cmp(a.line, b.line) || cmp(a.col, b.col));
}
