// Glob text -> tokens, ported from pachyderm/ohmyglob's lexer (commit
// d5b47775), quirks included: which characters end a run of text depends on
// where it stands. Pure; private to src/plan/ (the parser is _glob-parse.ts).

import { CalfError } from "../errors.ts";

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

// ---- lexer (ohmyglob syntax/lexer) ----

export type Token =
  | { type: "text"; raw: string; at: number }
  | { type: "any" | "super" | "single" | "not" | "separator" | "rangeOpen" | "rangeClose" | "termsOpen" | "termsClose" | "captureClose"; at: number }
  | { type: "captureOpen"; quantifier: string; at: number };

// Characters that end a run of text, by where the text stands. Outside a
// capture `|` and `)` are text; outside braces `,` and `}` are; `]` always is.
const BASIC_BREAKERS = "?*[{(";
const EXTENDED_BREAKERS = BASIC_BREAKERS + "@!^+";
const CAPTURE_BREAKERS = EXTENDED_BREAKERS + ")|";
const TERMS_BREAKERS = EXTENDED_BREAKERS + "},";

export function lex(src: string): Token[] {
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

/** The code point at `i` (1 or 2 code units). */
function charAt(s: string, i: number): string {
  return String.fromCodePoint(s.codePointAt(i)!);
}
