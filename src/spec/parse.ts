// YAML text -> documents that remember where each node was (1-based line:col).
// Pure; no I/O. Duplicate keys are left to validate, which knows the field path.

import { isScalar, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import type { SpecIssue, SpecPos } from "./types.ts";

/** Larger spec files are refused: a spec is a page of YAML, not a data file. */
export const MAX_SPEC_BYTES = 1 << 20;

/** One non-empty YAML document of a spec file. */
export interface RawDoc {
  file: string; // as shown in issues, e.g. "pipelines/edges.yaml"
  index: number; // 0-based position among the file's documents
  doc: Document.Parsed;
  lines: LineCounter;
}

export function parseSpecText(file: string, text: string): { docs: RawDoc[]; issues: SpecIssue[] } {
  if (tooLarge(text)) {
    const message = `file is larger than ${MAX_SPEC_BYTES} bytes`;
    return { docs: [], issues: [{ file, line: 0, col: 0, path: "", message, hint: "split it into several spec files" }] };
  }
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const docs: RawDoc[] = [];
  const issues: SpecIssue[] = [];
  // An empty stream yields an EmptyStream (an array with `empty: true`), not a document list.
  for (const [index, doc] of Array.from(parsed).entries()) {
    if (doc.errors.length > 0) {
      const seen = new Set<string>();
      for (const e of doc.errors) {
        const { line, col } = lines.linePos(e.pos[0]);
        if (seen.has(`${line}:${col}`)) continue;
        seen.add(`${line}:${col}`);
        issues.push({ file, line, col, path: "", message: `invalid YAML: ${e.message}` });
      }
      continue;
    }
    if (isEmptyDoc(doc)) continue;
    docs.push({ file, index, doc, lines });
  }
  return { docs, issues };
}

/** Where a node starts; 0:0 when the node has no range (e.g. a missing value). */
export function nodePos(raw: RawDoc, node: Node | null | undefined): SpecPos {
  const offset = node?.range?.[0];
  return offset === undefined ? { line: 0, col: 0 } : raw.lines.linePos(offset);
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
