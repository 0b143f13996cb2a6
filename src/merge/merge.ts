// Per-datum outputs -> one output tree (SPEC §4.4): a path written by several
// datums is the concatenation of their parts in sort-key order (`append`) or
// an error (`error`); a path that is a file in one datum and a directory in
// another is always an error. Pure: the result depends only on the set of inputs.

import { compareBytes, compareKeys } from "../plan/bytewise.ts";

export interface OutputFile {
  path: string;
  hash: string;
  size: number;
}

export interface DatumOutputs {
  id: string;
  /** The datum's input paths in input-name order (Datum.sortKey). */
  sortKey: string[];
  /** Shown in messages next to the short id, e.g. the first input path. */
  label: string;
  files: OutputFile[];
}

export interface MergedFile {
  path: string;
  /** Object hashes to concatenate, in order. */
  parts: string[];
  size: number;
}

export type MergeMode = "append" | "error";
export type MergeResult = { ok: true; files: MergedFile[] } | { ok: false; error: string };

/** The first 12 hex digits: how datums are named in messages (as in every table and line calf prints). */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** Merge every datum's outputs; files come back sorted byte-wise by path. */
export function mergeOutputs(datums: readonly DatumOutputs[], mode: MergeMode): MergeResult {
  const ordered = [...datums].sort((a, b) => compareKeys(a.sortKey, b.sortKey) || compareBytes(a.id, b.id));
  const writers = new Map<string, { datum: DatumOutputs; file: OutputFile }[]>();
  const ids = new Set<string>();
  for (const datum of ordered) {
    if (ids.has(datum.id)) return { ok: false, error: `datum ${name(datum)} is listed twice in the merge` };
    ids.add(datum.id);
    const own = new Set<string>();
    for (const file of datum.files) {
      if (own.has(file.path)) return { ok: false, error: `datum ${name(datum)} wrote path "${file.path}" twice` };
      own.add(file.path);
      const list = writers.get(file.path);
      if (list) list.push({ datum, file });
      else writers.set(file.path, [{ datum, file }]);
    }
  }

  const paths = [...writers.keys()].sort(compareBytes);
  const problems = new Map<string, string>(); // conflicting path -> message (first found wins)
  for (const path of paths) {
    const list = writers.get(path)!;
    if (mode === "error" && list.length > 1) {
      problems.set(path, `path "${path}" written by datums ${name(list[0].datum)} and ${name(list[1].datum)}`);
    }
    for (const dir of ancestors(path)) {
      const asFile = writers.get(dir);
      if (!asFile || problems.has(dir)) continue;
      problems.set(dir, `path "${dir}" is a file in datum ${name(asFile[0].datum)} and a directory in datum ${name(list[0].datum)}`);
    }
  }
  if (problems.size > 0) {
    const first = [...problems.keys()].sort(compareBytes)[0];
    const more = problems.size - 1;
    const suffix = more > 0 ? ` (and ${more} more conflicting path${more === 1 ? "" : "s"})` : "";
    return { ok: false, error: problems.get(first)! + suffix };
  }

  const files = paths.map((path) => {
    const list = writers.get(path)!;
    return { path, parts: list.map((w) => w.file.hash), size: list.reduce((n, w) => n + w.file.size, 0) };
  });
  return { ok: true, files };
}

function name(d: DatumOutputs): string {
  return `${shortId(d.id)} (${d.label})`;
}

/** "/a/b/c" -> ["/a/b", "/a"]: the directories a file path implies (the root excluded). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) out.push(path.slice(0, i));
  return out;
}
