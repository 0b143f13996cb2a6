// Pachyderm globs (SPEC §4.1): which file/dir paths of a commit a glob selects,
// with capture groups for join_on/group_by templates ($1, $2, $0 = path).
// Pure; no I/O. Globs compile to one anchored RegExp (as pachyderm/ohmyglob
// does): picomatch cannot express `**` inside a segment or `( )` captures.

import { compareBytes } from "./bytewise.ts";
import { GlobSyntaxError, parseGlob, type ClassItem, type GlobNode } from "./_glob-parse.ts";
import type { Entry } from "./types.ts";

export { GlobSyntaxError } from "./_glob-parse.ts";

export interface GlobMatcher {
  /** The glob after normalisation (see normalizeGlob). */
  readonly glob: string;
  /** Number of capture groups, i.e. the highest usable `$N`. */
  readonly captureCount: number;
  readonly regex: RegExp;
  /** `[path, $1, $2, …]` (unmatched optional groups are ""), or null. */
  match(path: string): string[] | null;
}

export interface GlobMatch {
  entry: Entry;
  /** `$0` = the entry's path, then `$1`, `$2`, … */
  captures: string[];
}

/** Pachyderm prefixes a missing leading "/"; runs of "/" collapse; a trailing "/" is dropped. */
export function normalizeGlob(glob: string): string {
  let g = (glob.startsWith("/") ? glob : "/" + glob).replace(/\/{2,}/g, "/");
  while (g.length > 1 && g.endsWith("/") && !isEscaped(g, g.length - 1)) g = g.slice(0, -1);
  return g;
}

/** Compile a glob. Throws GlobSyntaxError for an empty or malformed glob. */
export function compileGlob(glob: string): GlobMatcher {
  if (glob.trim() === "") {
    throw new GlobSyntaxError(glob, 0, `glob is empty (use "/" for the whole repo as one datum, "/*" for one datum per top-level entry)`);
  }
  const norm = normalizeGlob(glob);
  // The root "/" is matched as "" so that "/*" or "/**" never select the root
  // itself, while the glob "/" (compiled from "") selects exactly the root.
  const nodes = parseGlob(norm === "/" ? "" : norm);
  const state: CompileState = { groups: 0, user: [] };
  const regex = new RegExp(`^${sequence(nodes, state)}$`, "su");
  const user = state.user;
  return {
    glob: norm,
    captureCount: user.length,
    regex,
    match(path: string): string[] | null {
      const m = regex.exec(path === "/" ? "" : path);
      if (!m) return null;
      return [path, ...user.map((i) => m[i] ?? "")];
    },
  };
}

/** Why a glob is unusable (for `calf lint`), or null when it compiles. */
export function invalidGlobReason(glob: string): string | null {
  try {
    compileGlob(glob);
    return null;
  } catch (err) {
    if (err instanceof GlobSyntaxError) return err.reason;
    throw err;
  }
}

/**
 * The entries a glob selects, in byte-wise path order: exactly the datum paths
 * of a pfs input. `entries` must hold every file and directory of the commit,
 * including the root "/". A listing holding nothing but the root (an empty
 * commit) selects nothing, even for the glob "/" (SPEC §4.1).
 */
export function globEntries(entries: readonly Entry[], glob: string): GlobMatch[] {
  const matcher = compileGlob(glob);
  const empty = entries.every((e) => e.path === "/");
  const out: GlobMatch[] = [];
  for (const entry of entries) {
    if (empty) break;
    const captures = matcher.match(entry.path);
    if (captures) out.push({ entry, captures });
  }
  return out.sort((a, b) => compareEntries(a.entry, b.entry));
}

/**
 * Expand `$N` / `${N}` with captures (`$0` = path); `$$` is a literal "$".
 * Like Go's regexp.Expand, digits are read greedily and a missing group is "".
 */
export function expandTemplate(template: string, captures: readonly string[]): string {
  return template.replace(/\$(?:(\$)|(\d+)|\{(\d+)\})/g, (_m, dollar?: string, n?: string, braced?: string) => {
    if (dollar) return "$";
    return captures[Number(n ?? braced)] ?? "";
  });
}

/** Total order on entries: byte-wise path; type and hash only break ties in malformed listings. */
function compareEntries(a: Entry, b: Entry): number {
  return compareBytes(a.path, b.path) || compareBytes(a.type, b.type) || compareBytes(a.hash, b.hash);
}

// ---- compilation: syntax tree -> RegExp source (flags "su") ----

interface CompileState {
  /** Regex capture groups opened so far (user and internal). */
  groups: number;
  /** Regex group numbers of the user's capture groups, in `$N` order. */
  user: number[];
}

const SEGMENT_CHAR = "[^/]";

function sequence(nodes: readonly GlobNode[], st: CompileState): string {
  return nodes.map((n) => node(n, st)).join("");
}

function alternatives(alts: readonly GlobNode[][], st: CompileState): string {
  return alts.map((a) => sequence(a, st)).join("|");
}

function node(n: GlobNode, st: CompileState): string {
  switch (n.kind) {
    case "text":
      return escapeText(n.text);
    case "star":
      return `${SEGMENT_CHAR}*`;
    case "super":
      return ".*";
    case "single":
      return SEGMENT_CHAR;
    case "class": {
      // A bracket expression never matches "/" (as in shell pathname expansion).
      const body = n.items.map(classItem).join("");
      return n.negated ? `[^/${body}]` : `(?!/)[${body}]`;
    }
    case "choice":
      return `(?:${alternatives(n.alternatives, st)})`;
    case "group":
      return group(n.quantifier, n.alternatives, st);
  }
}

function group(q: "@" | "*" | "+" | "?" | "!", alts: readonly GlobNode[][], st: CompileState): string {
  if (q === "!") {
    // `!(x)`: the run of segment characters here must not, as a whole, match x.
    // The prefix before the group is captured so that a lookbehind can anchor x
    // at the group's start: `(?<!^\{prefix}x)` tested where the group ends.
    const prefix = ++st.groups;
    const own = ++st.groups;
    st.user.push(own);
    const inner = alternatives(alts, st);
    return `(?<=^(.*))(${SEGMENT_CHAR}*)(?<!^\\${prefix}(?:${inner}))`;
  }
  st.user.push(++st.groups);
  const inner = alternatives(alts, st);
  if (q === "@") return `(${inner})`;
  return `((?:${inner})${q})`;
}

const POSIX: Record<string, string> = {
  alnum: "A-Za-z0-9",
  alpha: "A-Za-z",
  blank: " \\t",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "\\x21-\\x7e",
  lower: "a-z",
  print: "\\x20-\\x7e",
  punct: "!-\\/:-@\\[-`\\{-~",
  space: " \\t\\n\\r\\f\\v",
  upper: "A-Z",
  word: "A-Za-z0-9_",
  xdigit: "0-9A-Fa-f",
};

function classItem(item: ClassItem): string {
  switch (item.kind) {
    case "char":
      return escapeClassChar(item.char);
    case "range":
      return `${escapeClassChar(item.lo)}-${escapeClassChar(item.hi)}`;
    case "posix":
      return POSIX[item.name];
  }
}

function escapeText(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

function escapeClassChar(c: string): string {
  return /[\\\]\[^\-]/.test(c) ? `\\${c}` : c;
}

function isEscaped(s: string, index: number): boolean {
  let n = 0;
  for (let i = index - 1; i >= 0 && s[i] === "\\"; i--) n++;
  return n % 2 === 1;
}
