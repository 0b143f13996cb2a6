// Pachyderm globs (SPEC §4.1): which paths of a commit a glob selects, with
// captures for join_on/group_by ($1, $0 = path). Pure; no I/O. One anchored
// RegExp, compiled as pachyderm/ohmyglob (d5b47775) compiles it with "/" as
// separator, negation scope included (picomatch cannot do `**` in a segment).

import { compareBytes } from "./bytewise.ts";
import { GlobSyntaxError, parseGlob, type GlobNode } from "./_glob-parse.ts";
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

/**
 * The glob as Pachyderm uses it (pfsfile.CleanPath): Go's path.Clean (runs of
 * "/" collapse, "." and ".." segments resolve, a trailing "/" goes), then one
 * leading "/".
 */
export function normalizeGlob(glob: string): string {
  const rooted = glob.startsWith("/");
  const out: string[] = [];
  for (const seg of glob.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (seg !== ".." || !rooted) out.push(seg);
  }
  return "/" + out.join("/");
}

/** Compile a glob. Throws GlobSyntaxError for an empty or malformed glob. */
export function compileGlob(glob: string): GlobMatcher {
  if (glob.trim() === "") {
    throw new GlobSyntaxError(glob, 0, `glob is empty (use "/" for the whole repo as one datum, "/*" for one datum per top-level entry)`);
  }
  const norm = normalizeGlob(glob);
  const { regex, captureCount } = compilePattern(norm);
  return {
    glob: norm,
    captureCount,
    regex,
    match(path: string): string[] | null {
      // Pachyderm matches the root only with the glob "/" (whose regex, "^/$",
      // fails on the root's trimmed path "": so its $0 and groups are "").
      if (path === "/") return norm === "/" ? Array<string>(captureCount + 1).fill("") : null;
      const m = regex.exec(path);
      if (!m) return null;
      return Array.from({ length: captureCount + 1 }, (_, i) => m[i] ?? "");
    },
  };
}

/**
 * ohmyglob's Compile(pattern, separator): the pattern as written (no leading
 * "/" added, no cleaning), anchored at both ends. `separator` "" means none:
 * `*` and `?` then cross everything (ohmyglob's own tests use that).
 */
export function compilePattern(pattern: string, separator = "/"): { regex: RegExp; captureCount: number } {
  const nodes = parseGlob(pattern);
  const dot = separator === "" ? "." : `[^${quoteMeta(separator)}]`;
  try {
    return { regex: new RegExp(`^${finish(pieces(nodes, dot))}$`, "su"), captureCount: countCaptures(nodes) };
  } catch (err) {
    // Unreachable as far as known: parseGlob refuses what the engine would (e.g. a range "z-a").
    throw new GlobSyntaxError(pattern, 0, `cannot be compiled: ${(err as Error).message}`);
  }
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

// ---- compilation (ohmyglob compiler/compiler.go with separator "/") ----

// Markers between pieces of regex source. ohmyglob splices two sentinel
// characters into its regex text and rewrites them at the end; separate
// symbols here cannot collide with a character of the glob.
const CLOSE_NEG = Symbol("closeNeg"); // where a negation's alternative ends
const BOUNDARY = Symbol("boundary"); // text, `*` or `**`: something a negation cannot look past
type Piece = string | typeof CLOSE_NEG | typeof BOUNDARY;

/** `dot` is one character that is not the separator. */
function pieces(nodes: readonly GlobNode[], dot: string): Piece[] {
  return nodes.flatMap((n) => node(n, dot));
}

function node(n: GlobNode, dot: string): Piece[] {
  switch (n.kind) {
    case "text":
      return [quoteMeta(n.text), BOUNDARY];
    case "any":
      return [`${dot}*`, BOUNDARY];
    case "super":
      return [".*", BOUNDARY];
    case "single":
      return [dot];
    case "list":
      return [`[${n.not ? "^" : ""}${quoteMeta(n.chars)}]`];
    case "anyOf":
      return n.patterns.length === 0 ? [] : ["(?:", ...alternatives(n.patterns, ["|"], dot), ")"];
    case "capture": {
      if (n.quantifier === "!") {
        // Each alternative is closed by a marker that becomes "$" or nothing (see finish()).
        return ["((?:(?!(?:", ...alternatives(n.patterns, [CLOSE_NEG, "|"], dot), CLOSE_NEG, "))", `${dot}*))`];
      }
      const inner = alternatives(n.patterns, ["|"], dot);
      return n.quantifier === "@" ? ["(", ...inner, ")"] : ["((?:", ...inner, `)${n.quantifier})`];
    }
  }
}

function alternatives(patterns: readonly GlobNode[][], separator: Piece[], dot: string): Piece[] {
  return patterns.flatMap((p, i) => (i === 0 ? pieces(p, dot) : [...separator, ...pieces(p, dot)]));
}

/**
 * ohmyglob's global pass over negations (after micromatch/extglob): find the
 * first place a negation closes; if text, `*` or `**` follows it anywhere, a
 * negation means "does not start with" (`!(foo)*`); otherwise it must reach
 * the end of the path ("is not"). The choice applies to every negation.
 */
function finish(ps: Piece[]): string {
  const first = ps.findIndex((p, i) => p === CLOSE_NEG && String(ps[i + 1]).startsWith(")"));
  const bounded = first >= 0 && ps.slice(first).includes(BOUNDARY);
  return ps.map((p) => (p === BOUNDARY ? "" : p === CLOSE_NEG ? (bounded ? "" : "$") : p)).join("");
}

function countCaptures(nodes: readonly GlobNode[]): number {
  let n = 0;
  for (const x of nodes) {
    if (x.kind === "capture") n++;
    if (x.kind === "capture" || x.kind === "anyOf") for (const p of x.patterns) n += countCaptures(p);
  }
  return n;
}

/** Go's regexp.QuoteMeta: every one of these is a syntax character, so the escape is valid in a "u" RegExp. */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}
