// Parsing and validation of what users type: repo names, `REPO@REF:PATH`
// arguments and file paths inside a repo. Pure.
import { invalid, usageError } from "../errors.ts";

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;

export function checkName(kind: "repo" | "pipeline" | "branch", name: string): string {
  if (!NAME.test(name)) {
    throw invalid(
      `${kind} name "${name}" is not valid`,
      "use letters, digits, '_' and '-', starting and ending with a letter or digit, at most 63 characters",
    );
  }
  return name;
}

/**
 * Normalises a path inside a repo to absolute form without a trailing slash
 * ("/" for the root). Rejects `..`, NUL and other bytes that could escape or
 * confuse the store.
 */
export function normalizePath(p: string): string {
  if (p.includes("\0")) throw invalid(`path ${JSON.stringify(p)} contains a NUL byte`);
  const segs: string[] = [];
  for (const s of p.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") throw invalid(`path "${p}" contains "..": paths cannot leave the repo`, "give the path from the repo's root, e.g. /dir/file");
    segs.push(s);
  }
  return "/" + segs.join("/");
}

export interface RepoRef {
  repo: string;
  /** Branch, commit id, id prefix, or any of those with ^N; undefined when the user gave none. */
  ref?: string;
}

export interface FileArg extends RepoRef {
  path: string;
}

/** `REPO[@REF]` */
export function parseRepoRef(arg: string): RepoRef {
  const at = arg.indexOf("@");
  const repo = at < 0 ? arg : arg.slice(0, at);
  const ref = at < 0 ? undefined : arg.slice(at + 1);
  if (!repo) throw usageError(`"${arg}" names no repo`, "write REPO@BRANCH, e.g. images@master");
  if (ref !== undefined && ref === "") throw usageError(`"${arg}" has an empty ref after "@"`, "write REPO@BRANCH, e.g. images@master");
  return { repo, ref };
}

/** `REPO[@REF]:PATH` — PATH is everything after the first ":" following REF. */
export function parseFileArg(arg: string, opts: { pathRequired?: boolean } = {}): FileArg {
  const first = arg.indexOf(":");
  let at = arg.indexOf("@");
  if (first >= 0 && at > first) at = -1; // `REPO:PATH` with an "@" inside PATH: no ref
  const colon = arg.indexOf(":", at < 0 ? 0 : at);
  if (colon < 0) {
    if (opts.pathRequired) throw usageError(`"${arg}" names no path`, "write REPO@BRANCH:/path, e.g. images@master:/cat.png");
    return { ...parseRepoRef(arg), path: "/" };
  }
  const rest = arg.slice(colon + 1);
  // `repo@master:` is a slip, not "the whole repo": a command that needs a path wants it spelt out (`:/`).
  if (opts.pathRequired && rest === "") throw usageError(`"${arg}" has an empty path after ":"`, `write the path from the repo's root, e.g. ${arg}/file (or ${arg}/ for the whole repo)`);
  return { ...parseRepoRef(arg.slice(0, colon)), path: normalizePath(rest) };
}

/** Splits `base^N` (repeatable: `a^1^2`) into base and total ancestor depth. */
export function splitAncestry(ref: string): { base: string; depth: number } {
  let depth = 0;
  let base = ref;
  for (;;) {
    const m = /^(.*)\^(\d*)$/.exec(base);
    if (!m) break;
    base = m[1]!;
    depth += m[2] === "" ? 1 : Number(m[2]);
  }
  if (!base) throw usageError(`ref "${ref}" names no branch or commit`);
  return { base, depth };
}
