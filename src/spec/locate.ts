// Pointing an issue at a field of an already-validated spec, via the positions
// validate recorded (SpecSource). Pure; no I/O.

import type { PipelineSpec, SpecIssue, SpecPos } from "./types.ts";

/** The position of `path`, or of its nearest recorded ancestor ("input.pfs.name" -> "input.pfs"). */
export function posFor(positions: Record<string, SpecPos>, path: string): SpecPos {
  for (let p = path; ; p = parentPath(p)) {
    const pos = positions[p];
    if (pos !== undefined) return pos;
    if (p === "") return { line: 0, col: 0 };
  }
}

/** An issue at `path` of `spec`, in the file as the user named it. */
export function issueAt(spec: PipelineSpec, path: string, message: string, hint?: string): SpecIssue {
  const { line, col } = posFor(spec.source?.positions ?? {}, path);
  const file = spec.source?.file ?? spec.file;
  return { file, line, col, path, message, ...(hint === undefined ? {} : { hint }) };
}

/** `file:line:col` of a field, for messages that name another spec. */
export function whereIs(spec: PipelineSpec, path: string): string {
  const i = issueAt(spec, path, "");
  return i.line === 0 ? i.file : `${i.file}:${i.line}:${i.col}`;
}

function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
  return cut < 0 ? "" : path.slice(0, cut);
}
