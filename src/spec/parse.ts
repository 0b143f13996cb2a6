// YAML text -> documents that remember where each node was (1-based line:col).
// A stream of JSON objects (`{...}{...}`, as `pachctl create pipeline -f`
// reads) is split into one document per object. Pure; no I/O. Duplicate keys
// are left to validate, which knows the field path.

import { isScalar, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import type { SpecIssue, SpecPos } from "./types.ts";

/** Larger spec files are refused: a spec is a page of YAML, not a data file. */
export const MAX_SPEC_BYTES = 1 << 20;

/** One non-empty YAML document of a spec file. */
export interface RawDoc {
  file: string; // as shown in issues, e.g. "pipelines/edges.yaml"
  index: number; // 0-based position among the file's documents
  doc: Document.Parsed;
  lines: LineCounter; // of the whole file
  offset?: number; // where the text `doc` was parsed from starts in the file (a JSON stream's object); 0 if absent
}

export function parseSpecText(file: string, text: string): { docs: RawDoc[]; issues: SpecIssue[] } {
  if (tooLarge(text)) {
    const message = `file is larger than ${MAX_SPEC_BYTES} bytes`;
    return { docs: [], issues: [{ file, line: 0, col: 0, path: "", message, hint: "split it into several spec files" }] };
  }
  const spans = jsonObjectSpans(text);
  if (spans === undefined) {
    const lines = new LineCounter();
    return collect(file, parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false }), lines, 0, 0);
  }
  const lines = lineCounterOf(text);
  const out: { docs: RawDoc[]; issues: SpecIssue[] } = { docs: [], issues: [] };
  spans.forEach(([start, end], i) => {
    const one = collect(file, parseAllDocuments(text.slice(start, end), { prettyErrors: false, uniqueKeys: false }), lines, start, i);
    out.docs.push(...one.docs);
    out.issues.push(...one.issues);
  });
  return out;
}

/** Where a node starts; 0:0 when the node has no range (e.g. a missing value). */
export function nodePos(raw: RawDoc, node: Node | null | undefined): SpecPos {
  const offset = node?.range?.[0];
  return offset === undefined ? { line: 0, col: 0 } : raw.lines.linePos(offset + (raw.offset ?? 0));
}

/**
 * Offsets [start, end) of each top-level object when `text` is two or more JSON
 * objects one after another (whitespace between them); otherwise undefined, and
 * the text is read as YAML. An unfinished last object still counts, so that the
 * YAML reader reports its error where it is.
 */
export function jsonObjectSpans(text: string): [number, number][] | undefined {
  const spans: [number, number][] = [];
  let i = skipSpace(text, 0);
  while (i < text.length) {
    if (text[i] !== "{") return undefined;
    const start = i;
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      } else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) break;
      }
    }
    if (i >= text.length) {
      spans.push([start, text.length]);
      break;
    }
    spans.push([start, i + 1]);
    i = skipSpace(text, i + 1);
  }
  return spans.length >= 2 ? spans : undefined;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** A LineCounter for a whole text, as the YAML parser would fill it. */
function lineCounterOf(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
  return lines;
}

// Documents parsed from the text at `offset` of the file, numbered from `first`.
function collect(file: string, parsed: Document.Parsed[], lines: LineCounter, offset: number, first: number): { docs: RawDoc[]; issues: SpecIssue[] } {
  const docs: RawDoc[] = [];
  const issues: SpecIssue[] = [];
  // An empty stream yields an EmptyStream (an array with `empty: true`), not a document list.
  for (const [i, doc] of Array.from(parsed).entries()) {
    if (doc.errors.length > 0) {
      const seen = new Set<string>();
      for (const e of doc.errors) {
        const { line, col } = lines.linePos(e.pos[0] + offset);
        if (seen.has(`${line}:${col}`)) continue;
        seen.add(`${line}:${col}`);
        issues.push({ file, line, col, path: "", message: `invalid YAML: ${e.message}` });
      }
      continue;
    }
    if (isEmptyDoc(doc)) continue;
    docs.push({ file, index: first + i, doc, lines, ...(offset === 0 ? {} : { offset }) });
  }
  return { docs, issues };
}

// A document holding only comments, or a trailing `---`, is not a spec.
function isEmptyDoc(doc: Document.Parsed): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

function tooLarge(text: string): boolean {
  if (text.length > MAX_SPEC_BYTES) return true;
  if (text.length * 3 <= MAX_SPEC_BYTES) return false; // a UTF-16 unit is at most 3 UTF-8 bytes
  return new TextEncoder().encode(text).length > MAX_SPEC_BYTES;
}
