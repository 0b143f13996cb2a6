// Glob text -> syntax tree, ported from pachyderm/ohmyglob (the matcher behind
// Pachyderm's globs, commit d5b47775): its lexer's token rules and its
// parser's tree, quirks included, so that a glob cuts the same datums here.
// Pure; private to src/plan/ (use glob.ts).

import { CalfError } from "../errors.ts";

export type GlobNode =
  | { kind: "text"; text: string }
  | { kind: "any" } // `*`: any run of non-`/` characters
  | { kind: "super" } // `**`: any run of characters, `/` included
  | { kind: "single" } // `?`: one non-`/` character
  | { kind: "list"; not: boolean; chars: string } // `[...]`: the class text as written (POSIX names expanded)
  | { kind: "anyOf"; patterns: GlobNode[][] } // `{a,b}`
  | { kind: "capture"; quantifier: Quantifier; patterns: GlobNode[][] }; // `( )`, `@( )`, `*( )`, `+( )`, `?( )`, `!( )`

export type Quantifier = "@" | "*" | "+" | "?" | "!";

/** A glob that cannot be parsed (code "invalid"); `offset` is the code-unit index of the culprit. */
export class GlobSyntaxError extends CalfError {
  constructor(
    readonly glob: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super("invalid", `invalid glob "${glob}": ${reason}`);
    this.name = "GlobSyntaxError";
  }
}

// ohmyglob's POSIX classes: `[:name:]` anywhere inside a bracket expression is
// replaced by these ranges; the brackets around it stay literal characters.
export const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\x00-\x7F",
  blank: "\t ",
  cntrl: "\x00-\x1F\x7F",
  digit: "0-9",
  graph: "!-~]",
  lower: "a-z",
  print: " -~",
  punct: "!-/:-@[-`{-~",
  space: "\t\n\v\f\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** Parse a whole glob. Throws GlobSyntaxError. */
export function parseGlob(glob: string): GlobNode[] {
  return buildTree(glob, lex(glob));
}

// ---- lexer (ohmyglob syntax/lexer) ----

type Token =
  | { type: "text"; raw: string; at: number }
  | { type: "any" | "super" | "single" | "not" | "separator" | "rangeOpen" | "rangeClose" | "termsOpen" | "termsClose" | "captureClose"; at: number }
  | { type: "captureOpen"; quantifier: string; at: number };

// Characters that end a run of text, by where the text stands. Outside a
// capture `|` and `)` are text; outside braces `,` and `}` are; `]` always is.
const BASIC_BREAKERS = "?*[{(";
const EXTENDED_BREAKERS = BASIC_BREAKERS + "@!^+";
const CAPTURE_BREAKERS = EXTENDED_BREAKERS + ")|";
const TERMS_BREAKERS = EXTENDED_BREAKERS + "},";

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  const terms: number[] = []; // offsets of the open `{`s
  const captures: { at: number; inTerms: boolean }[] = []; // offsets of the open `(`s
  // The first run of text that swallowed a closer or separator (see the `@!^+` case below).
  let swallowed: { at: number; text: string } | undefined;
  let pos = 0;
  const fail = (at: number, reason: string): never => {
    throw new GlobSyntaxError(src, at, reason);
  };

  const text = (breakers: string) => {
    const at = pos;
    let data = "";
    while (pos < src.length) {
      const c = charAt(src, pos);
      if (c === "\\") {
        // ohmyglob drops a trailing backslash silently; calf refuses it.
        if (pos + 1 >= src.length) fail(pos, `trailing "\\" escapes nothing (write "\\\\" for a literal backslash)`);
        const escaped = charAt(src, pos + 1);
        data += escaped;
        pos += 1 + escaped.length;
        continue;
      }
      if (breakers.includes(c)) break;
      data += c;
      pos += c.length;
    }
    if (data !== "") tokens.push({ type: "text", raw: data, at });
  };

  const range = (openedAt: number) => {
    let data = "";
    let seenNot = false;
    let inPosix = false;
    for (;;) {
      if (pos >= src.length) fail(openedAt, `unclosed "[" at offset ${openedAt} (add "]", or escape it as "\\[")`);
      const c = charAt(src, pos);
      pos += c.length;
      if (c === "\\") {
        if (pos >= src.length) fail(openedAt, `unclosed "[" at offset ${openedAt} (add "]", or escape it as "\\[")`);
        const escaped = charAt(src, pos);
        pos += escaped.length;
        data += escaped;
        continue;
      }
      if (c === "[") inPosix = true;
      if (c === "]") {
        if (!inPosix) break;
        inPosix = false;
      }
      // The first unescaped `!` or `^` anywhere in the class negates it (as ohmyglob reads it).
      if (!seenNot && (c === "!" || c === "^")) {
        tokens.push({ type: "not", at: pos - 1 });
        seenNot = true;
        continue;
      }
      data += c;
    }
    if (data !== "") tokens.push({ type: "text", raw: data, at: openedAt });
    tokens.push({ type: "rangeClose", at: pos - 1 });
  };

  const openCapture = (quantifier: string, at: number, width: number) => {
    pos += width;
    tokens.push({ type: "captureOpen", quantifier, at });
    captures.push({ at, inTerms: terms.length > 0 });
  };

  while (pos < src.length) {
    const at = pos;
    const c = charAt(src, pos);
    const next = src[pos + c.length];
    if (c === "{") {
      pos += 1;
      terms.push(at);
      tokens.push({ type: "termsOpen", at });
    } else if (c === "," && terms.length > 0) {
      pos += 1;
      tokens.push({ type: "separator", at });
    } else if (c === "}" && terms.length > 0) {
      pos += 1;
      terms.pop();
      tokens.push({ type: "termsClose", at });
    } else if (c === "|" && captures.length > 0) {
      pos += 1;
      tokens.push({ type: "separator", at });
    } else if (c === "[") {
      pos += 1;
      tokens.push({ type: "rangeOpen", at });
      range(at);
    } else if (c === "(") {
      openCapture("@", at, 1);
    } else if ("@!^+?".includes(c) && next === "(") {
      openCapture(c, at, 2);
    } else if ("@!^+".includes(c)) {
      // Not an extglob opener: plain text up to the next `?*[{(`, closers and separators included.
      const before = tokens.length;
      text(BASIC_BREAKERS);
      const t = tokens[before];
      if (swallowed === undefined && t?.type === "text" && (terms.length > 0 || captures.length > 0) && /[},|)]/.test(t.raw)) {
        swallowed = { at, text: t.raw };
      }
    } else if (c === ")" && captures.length > 0) {
      pos += 1;
      captures.pop();
      tokens.push({ type: "captureClose", at });
    } else if (c === "?") {
      pos += 1;
      tokens.push({ type: "single", at });
    } else if (c === "*") {
      if (next === "*" && src[pos + 2] !== "(") {
        pos += 2;
        tokens.push({ type: "super", at });
      } else if (next === "(") {
        openCapture("*", at, 2);
      } else {
        // `**(` is `*` then `*(`: only the first star is consumed here.
        pos += 1;
        tokens.push({ type: "any", at });
      }
    } else {
      text(terms.length > 0 ? TERMS_BREAKERS : captures.length > 0 ? CAPTURE_BREAKERS : EXTENDED_BREAKERS);
      if (pos === at) fail(at, `unexpected "${c}" at offset ${at}`); // unreachable: a run of text starts with a non-breaker
    }
  }
  // ohmyglob closes whatever is still open at the end; calf refuses, since an
  // unclosed brace or group is a typo far more often than intended.
  if (swallowed !== undefined && (captures.length > 0 || terms.length > 0)) {
    const s = swallowed;
    fail(s.at, `"${s.text[0]}" at offset ${s.at} is not followed by "(", so Pachyderm reads "${s.text}" as plain text and the group or braces around it never close (escape it as "\\${s.text[0]}")`);
  }
  if (captures.length > 0) {
    const open = captures[captures.length - 1]!;
    const inBraces = open.inTerms ? `; between "{" and "}", Pachyderm reads a group's "|" and ")" as text` : "";
    fail(open.at, `unclosed "(" at offset ${open.at} (add ")", or escape it as "\\("${inBraces})`);
  }
  if (terms.length > 0) {
    const at = terms[terms.length - 1]!;
    fail(at, `unclosed "{" at offset ${at} (add "}", or escape it as "\\{")`);
  }
  return tokens;
}

// ---- parser (ohmyglob syntax/ast): tokens -> tree ----

interface Building {
  kind: "pattern" | "anyOf" | "capture";
  quantifier?: string;
  nodes: (GlobNode | Building)[];
  parent: Building | null;
}

function buildTree(src: string, tokens: Token[]): GlobNode[] {
  const root: Building = { kind: "pattern", nodes: [], parent: null };
  let tree = root;
  const up = (t: Token): Building => {
    const p = tree.parent?.parent;
    // Unreachable: the lexer only emits closers and separators inside an open construct.
    if (!p) throw new GlobSyntaxError(src, t.at, `unexpected "${src[t.at]}" at offset ${t.at}`);
    return p;
  };
  const open = (kind: "anyOf" | "capture", quantifier?: string) => {
    const container: Building = { kind, nodes: [], parent: tree, ...(quantifier === undefined ? {} : { quantifier }) };
    tree.nodes.push(container);
    const pattern: Building = { kind: "pattern", nodes: [], parent: container };
    container.nodes.push(pattern);
    tree = pattern;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case "text":
        tree.nodes.push({ kind: "text", text: t.raw });
        break;
      case "any":
      case "super":
      case "single":
        tree.nodes.push({ kind: t.type });
        break;
      case "rangeOpen": {
        let not = false;
        let chars = "";
        for (i++; tokens[i]!.type !== "rangeClose"; i++) {
          const r = tokens[i]!;
          if (r.type === "not") not = true;
          else if (r.type === "text") chars = expandPosix(src, r.raw, r.at);
        }
        if (chars === "") {
          const what = not ? "a negated class of nothing" : "an empty class";
          throw new GlobSyntaxError(src, t.at, `"[" at offset ${t.at} starts ${what} (escape brackets as "\\[" and "\\]" for literals)`);
        }
        const reversed = reversedRange(chars);
        if (reversed) throw new GlobSyntaxError(src, t.at, `range "${reversed[0]}-${reversed[1]}" is out of order (write "${reversed[1]}-${reversed[0]}")`);
        tree.nodes.push({ kind: "list", not, chars });
        break;
      }
      case "termsOpen":
        open("anyOf");
        break;
      case "captureOpen":
        if (t.quantifier === "^") {
          throw new GlobSyntaxError(src, t.at, `"^(" at offset ${t.at} is not a group (use "!(" to negate, or escape it as "\\^(")`);
        }
        open("capture", t.quantifier);
        break;
      case "separator": {
        const container = tree.parent;
        if (!container) throw new GlobSyntaxError(src, t.at, `unexpected "${src[t.at]}" at offset ${t.at}`);
        const pattern: Building = { kind: "pattern", nodes: [], parent: container };
        container.nodes.push(pattern);
        tree = pattern;
        break;
      }
      case "termsClose":
      case "captureClose":
        tree = up(t);
        break;
      case "not":
      case "rangeClose":
        break; // only inside a range, consumed above
    }
  }
  return freeze(root);
}

function freeze(b: Building): GlobNode[] {
  return b.nodes.map((n): GlobNode => {
    if (!("parent" in n)) return n;
    const patterns = n.nodes.map((p) => freeze(p as Building));
    return n.kind === "capture" ? { kind: "capture", quantifier: n.quantifier as Quantifier, patterns } : { kind: "anyOf", patterns };
  });
}

/** ohmyglob replaces each `:name:` in a class's text by its ranges; calf refuses unknown names. */
function expandPosix(src: string, raw: string, at: number): string {
  return raw.replace(/\[:([^\]]*):\]|:([a-z]+):/g, (m, bracketed: string | undefined, bare: string | undefined) => {
    const name = bracketed ?? bare!;
    const ranges = POSIX_CLASSES[name];
    if (ranges !== undefined) return m.replace(`:${name}:`, ranges);
    if (bracketed === undefined) return m; // ":word:" without brackets is only text
    const known = Object.keys(POSIX_CLASSES).join(", ");
    throw new GlobSyntaxError(src, at, `unknown character class "[:${name}:]" (known: ${known})`);
  });
}

/** The first range `lo-hi` of a class's text with lo > hi (the regex engine would refuse it). */
function reversedRange(chars: string): [string, string] | undefined {
  const cps = Array.from(chars);
  for (let i = 0; i + 2 < cps.length; i++) {
    if (cps[i + 1] !== "-") continue;
    if (cps[i]!.codePointAt(0)! > cps[i + 2]!.codePointAt(0)!) return [cps[i]!, cps[i + 2]!];
    i += 2; // "a-c-e": the second "-" is a literal
  }
  return undefined;
}

/** The code point at `i` (1 or 2 code units). */
function charAt(s: string, i: number): string {
  return String.fromCodePoint(s.codePointAt(i)!);
}
