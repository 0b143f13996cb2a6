// Glob text -> syntax tree, ported from pachyderm/ohmyglob (the matcher behind
// Pachyderm's globs, commit d5b47775): its lexer's token rules and its
// parser's tree, quirks included, so that a glob cuts the same datums here.
// Pure; private to src/plan/ (use glob.ts).

import { GlobSyntaxError, lex, type Token } from "./_glob-lex.ts";

export { GlobSyntaxError } from "./_glob-lex.ts";

export type GlobNode =
  | { kind: "text"; text: string }
  | { kind: "any" } // `*`: any run of non-`/` characters
  | { kind: "super" } // `**`: any run of characters, `/` included
  | { kind: "single" } // `?`: one non-`/` character
  | { kind: "list"; not: boolean; chars: string } // `[...]`: the class text as written (POSIX names expanded)
  | { kind: "anyOf"; patterns: GlobNode[][] } // `{a,b}`
  | { kind: "capture"; quantifier: Quantifier; patterns: GlobNode[][] }; // `( )`, `@( )`, `*( )`, `+( )`, `?( )`, `!( )`

export type Quantifier = "@" | "*" | "+" | "?" | "!";

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
