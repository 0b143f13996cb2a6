// Glob text -> syntax tree, following pachyderm/ohmyglob (the library behind
// Pachyderm's globs): `(`…`)` and the extglobs `@( ) *( ) +( ) ?( ) !( )` are
// capture groups with `|` alternatives; `{a,b}` is a non-capturing choice.
// Pure; private to src/plan/ (use glob.ts).

import { CalfError } from "../errors.ts";

export type GlobNode =
  | { kind: "text"; text: string }
  | { kind: "star" } // `*`: any run of non-`/` characters
  | { kind: "super" } // `**`: any run of characters, `/` included
  | { kind: "single" } // `?`: one non-`/` character
  | { kind: "class"; negated: boolean; items: ClassItem[] }
  | { kind: "choice"; alternatives: GlobNode[][] } // `{a,b}`
  | { kind: "group"; quantifier: Quantifier; alternatives: GlobNode[][] };

export type Quantifier = "@" | "*" | "+" | "?" | "!";
export type ClassItem =
  | { kind: "char"; char: string }
  | { kind: "range"; lo: string; hi: string }
  | { kind: "posix"; name: string };

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

const POSIX_CLASSES = new Set(["alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit"]);
const EXTGLOB_PREFIXES = new Set(["@", "*", "+", "?", "!"]);

/** Parse a whole glob. Throws GlobSyntaxError. */
export function parseGlob(glob: string): GlobNode[] {
  return new Parser(glob).sequence("top");
}

type Context = "top" | "choice" | "group";

class Parser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(offset: number, reason: string): never {
    throw new GlobSyntaxError(this.src, offset, reason);
  }

  /** Nodes up to the end of the innermost construct (not consuming its separator/closer). */
  sequence(ctx: Context): GlobNode[] {
    const out: GlobNode[] = [];
    const pushText = (t: string) => {
      const last = out[out.length - 1];
      if (last?.kind === "text") last.text += t;
      else out.push({ kind: "text", text: t });
    };
    while (this.pos < this.src.length) {
      const start = this.pos;
      const c = this.char();
      const next = this.src[this.pos + c.length];
      if (ctx === "choice" && (c === "," || c === "}")) return out;
      if (ctx === "group" && (c === "|" || c === ")")) return out;
      if (c === "\\") {
        const escaped = this.src.codePointAt(this.pos + 1);
        if (escaped === undefined) this.fail(start, `trailing "\\" escapes nothing (write "\\\\" for a literal backslash)`);
        const ch = String.fromCodePoint(escaped);
        this.pos += 1 + ch.length;
        pushText(ch);
      } else if (EXTGLOB_PREFIXES.has(c) && next === "(") {
        this.pos += 2;
        out.push({ kind: "group", quantifier: c as Quantifier, alternatives: this.alternatives("group", start) });
      } else if (c === "(") {
        this.pos += 1;
        out.push({ kind: "group", quantifier: "@", alternatives: this.alternatives("group", start) });
      } else if (c === "*") {
        if (next === "*") {
          this.pos += 2;
          out.push({ kind: "super" });
        } else {
          this.pos += 1;
          out.push({ kind: "star" });
        }
      } else if (c === "?") {
        this.pos += 1;
        out.push({ kind: "single" });
      } else if (c === "{") {
        this.pos += 1;
        out.push({ kind: "choice", alternatives: this.alternatives("choice", start) });
      } else if (c === "[") {
        out.push(this.charClass());
      } else if (c === ")" || c === "}") {
        const open = c === ")" ? "(" : "{";
        this.fail(start, `unmatched "${c}" at offset ${start} (escape it as "\\${c}" for a literal, or add the "${open}")`);
      } else {
        this.pos += c.length;
        pushText(c);
      }
    }
    return out;
  }

  /** After an opener: alternatives separated by `,` (choice) or `|` (group), through the closer. */
  alternatives(ctx: "choice" | "group", openedAt: number): GlobNode[][] {
    const [sep, close, open] = ctx === "choice" ? [",", "}", "{"] : ["|", ")", "("];
    const alts: GlobNode[][] = [];
    for (;;) {
      alts.push(this.sequence(ctx));
      const c = this.src[this.pos];
      if (c === undefined) this.fail(openedAt, `unclosed "${open}" at offset ${openedAt} (add "${close}", or escape it as "\\${open}")`);
      this.pos += 1;
      if (c === close) return alts;
      if (c !== sep) this.fail(this.pos - 1, `unexpected "${c}"`); // unreachable: sequence() stops only at sep/close
    }
  }

  /** `[...]`, `[!...]`, `[^...]`; a `]` right after the opener is literal; `[:name:]` classes. */
  charClass(): GlobNode {
    const openedAt = this.pos;
    this.pos += 1;
    let negated = false;
    if (this.src[this.pos] === "!" || this.src[this.pos] === "^") {
      negated = true;
      this.pos += 1;
    }
    const items: ClassItem[] = [];
    const unclosed = () => this.fail(openedAt, `unclosed "[" at offset ${openedAt} (add "]", or escape it as "\\[")`);
    let first = true;
    for (;;) {
      if (this.pos >= this.src.length) unclosed();
      const at = this.pos;
      let c = this.char();
      if (c === "]" && !first) {
        this.pos += 1;
        break;
      }
      first = false;
      if (c === "[" && this.src[this.pos + 1] === ":") {
        const end = this.src.indexOf(":]", this.pos + 2);
        if (end < 0) unclosed();
        const name = this.src.slice(this.pos + 2, end);
        if (!POSIX_CLASSES.has(name)) this.fail(at, `unknown character class "[:${name}:]" (known: ${[...POSIX_CLASSES].join(", ")})`);
        items.push({ kind: "posix", name });
        this.pos = end + 2;
        continue;
      }
      c = this.classChar(unclosed);
      if (this.src[this.pos] === "-" && this.src[this.pos + 1] !== undefined && this.src[this.pos + 1] !== "]") {
        this.pos += 1;
        const hi = this.classChar(unclosed);
        if (c.codePointAt(0)! > hi.codePointAt(0)!) this.fail(at, `range "${c}-${hi}" is out of order (write "${hi}-${c}")`);
        items.push({ kind: "range", lo: c, hi });
      } else {
        items.push({ kind: "char", char: c });
      }
    }
    return { kind: "class", negated, items };
  }

  /** One (possibly escaped) character inside a class, consumed. */
  classChar(unclosed: () => never): string {
    if (this.src[this.pos] === "\\") {
      this.pos += 1;
      if (this.pos >= this.src.length) unclosed();
    }
    const c = this.char();
    this.pos += c.length;
    return c;
  }

  /** The code point at pos (1 or 2 code units), not consumed. */
  char(): string {
    return String.fromCodePoint(this.src.codePointAt(this.pos)!);
  }
}
