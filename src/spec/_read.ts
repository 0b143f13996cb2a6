// Typed reading of YAML nodes for validation: each read records the value's
// position under its field path and reports a located issue instead of throwing.
// Field names are read as protobuf JSON reads Pachyderm's specs: snake_case or
// lowerCamelCase (`parallelismSpec`), and integers also as strings ("1").
// Paths always use the snake_case name. Pure; no I/O. Private to src/spec.

import { isAlias, isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from "yaml";
import { posFor } from "./locate.ts";
import { nodePos, type RawDoc } from "./parse.ts";
import { didYouMean } from "./suggest.ts";
import type { SpecIssue, SpecPos } from "./types.ts";

/** A value to read: the node (aliases resolved; null when absent), where to point, and its field path. */
export interface Field {
  node: Node | null;
  at: Node | null;
  path: string;
}

const MAX_ALIASES = 100; // a spec never needs more; guards against alias bombs

/** protobuf's JSON name of a field: `parallelism_spec` -> `parallelismSpec`. */
export function lowerCamel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export class Reader {
  readonly issues: SpecIssue[] = [];
  /** Not errors: fields calf accepts and ignores, each with where it was written. */
  readonly notices: SpecIssue[] = [];
  readonly positions: Record<string, SpecPos> = {};
  private aliases = 0;

  constructor(private readonly raw: RawDoc) {}

  /** The document root as a field with path "". */
  root(): Field {
    return this.field(this.raw.doc.contents, "");
  }

  fail(at: Node | null | undefined, path: string, message: string, hint?: string): undefined {
    const { line, col } = nodePos(this.raw, at);
    this.issues.push({ file: this.raw.file, line, col, path, message, ...(hint === undefined ? {} : { hint }) });
    return undefined;
  }

  /** An issue about `path`, placed where `posPath` (or its nearest ancestor) was read. */
  failAt(path: string, message: string, hint?: string, posPath = path): undefined {
    const { line, col } = posFor(this.positions, posPath);
    this.issues.push({ file: this.raw.file, line, col, path, message, ...(hint === undefined ? {} : { hint }) });
    return undefined;
  }

  notice(at: Node | null | undefined, path: string, message: string): void {
    const { line, col } = nodePos(this.raw, at);
    this.notices.push({ file: this.raw.file, line, col, path, message });
  }

  /**
   * A mapping's fields by snake_case name, written either way; unknown (with
   * did-you-mean), duplicate and non-string keys are issues. `listed`: the
   * fields a hint lists when nothing is close.
   */
  fields(f: Field, known: readonly string[], listed: readonly string[] = known): Map<string, Field> | undefined {
    if (!isMap(f.node)) return this.expected(f, "a mapping");
    const byCamel = new Map(known.map((k) => [lowerCamel(k), k]));
    const canon = (name: string) => (known.includes(name) ? name : byCamel.get(name));
    const out = new Map<string, Field>();
    for (const { name, key, value } of this.pairs(f.node, f, canon)) {
      const field = canon(name);
      if (field !== undefined) out.set(field, value);
      else {
        // A camelCase typo is best answered in camelCase.
        const candidates = /[A-Z]/.test(name) ? [...known, ...byCamel.keys()] : known;
        this.fail(key, value.path, "unknown field", didYouMean(name, candidates) ?? `known fields: ${listed.join(", ")}`);
      }
    }
    return out;
  }

  /** A required field, or an issue pointing at its parent. */
  need(fields: Map<string, Field>, name: string, parent: Field, hint?: string): Field | undefined {
    const f = fields.get(name);
    if (f !== undefined) return f;
    const path = parent.path === "" ? name : `${parent.path}.${name}`;
    return this.fail(parent.at, path, "missing (required)", hint);
  }

  list(f: Field): Field[] | undefined {
    if (!isSeq(f.node)) return this.expected(f, "a list");
    return f.node.items.map((item, i) => this.field(item as Node | null, `${f.path}[${i}]`));
  }

  string(f: Field, hint?: string): string | undefined {
    const v = this.scalar(f);
    return typeof v === "string" ? v : this.expected(f, "a string", hint);
  }

  boolean(f: Field): boolean | undefined {
    const v = this.scalar(f);
    return typeof v === "boolean" ? v : this.expected(f, "true or false");
  }

  /** An integer, also written as a string (protobuf JSON writes 64-bit integers as "1"). */
  integer(f: Field, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const raw = this.scalar(f);
    const v = typeof raw === "string" && /^-?[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    if (typeof v !== "number" || !Number.isInteger(v)) return this.expected(f, "an integer");
    if (v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
      return this.fail(f.at, f.path, `${v} is out of range: must be ${range}`);
    }
    return v;
  }

  oneOf<T extends string>(f: Field, allowed: readonly T[]): T | undefined {
    const v = this.string(f);
    if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
    return this.fail(f.at, f.path, `"${v}" is not one of ${allowed.join(", ")}`, didYouMean(v, allowed));
  }

  strings(f: Field, nonEmpty: boolean): string[] | undefined {
    const items = this.list(f);
    if (items === undefined) return undefined;
    if (nonEmpty && items.length === 0) return this.fail(f.at, f.path, "must not be empty");
    const out = items.map((item) => this.string(item, quoteHint(item)));
    return out.every((s) => s !== undefined) ? (out as string[]) : undefined;
  }

  /** A map of strings; numbers and booleans are kept as written (`PORT: 080` -> "080"). */
  stringMap(f: Field): Record<string, string> | undefined {
    if (!isMap(f.node)) return this.expected(f, "a mapping");
    const before = this.issues.length;
    const out = new Map<string, string>();
    for (const { name, value } of this.pairs(f.node, f)) {
      const v = isScalar(value.node) ? value.node.value : undefined;
      if (typeof v === "string") out.set(name, v);
      else if (isScalar(value.node) && (typeof v === "number" || typeof v === "boolean")) {
        out.set(name, value.node.source ?? String(v));
      } else this.expected(value, "a string");
    }
    // fromEntries, not assignment: a "__proto__" key must stay an ordinary key.
    return this.issues.length === before ? Object.fromEntries(out) : undefined;
  }

  expected(f: Field, what: string, hint?: string): undefined {
    return this.fail(f.at, f.path, `expected ${what}, got ${describeNode(f.node)}`, hint);
  }

  private scalar(f: Field): unknown {
    return isScalar(f.node) ? f.node.value : undefined;
  }

  /**
   * A mapping's entries with string keys, each key once; other keys are issues.
   * `canon` maps a key to its field's snake_case name (undefined: unknown, kept as written).
   */
  private *pairs(map: YAMLMap, f: Field, canon: (name: string) => string | undefined = (n) => n): Generator<{ name: string; key: Node; value: Field }> {
    const seen = new Map<string, Node>();
    for (const pair of map.items) {
      const key = pair.key as Node | null;
      if (!isScalar(key) || typeof key.value !== "string") {
        this.fail(key ?? f.at, f.path, `keys must be strings, got ${describeNode(key)}`);
        continue;
      }
      const name = key.value;
      const field = canon(name) ?? name;
      const path = f.path === "" ? field : `${f.path}.${field}`;
      const first = seen.get(field);
      if (first !== undefined) {
        const firstName = (first as Scalar).value as string;
        const same = firstName === name ? "duplicate key" : `duplicate key: "${firstName}" and "${name}" are the same field`;
        this.fail(key, path, `${same} (first at line ${this.pos(first).line})`, "remove one of them");
        continue;
      }
      seen.set(field, key);
      yield { name, key, value: this.field(pair.value, path, key) };
    }
  }

  private field(node: unknown, path: string, fallbackAt: Node | null = null): Field {
    const at = (node as Node | null | undefined) ?? fallbackAt;
    let target = (node as Node | null | undefined) ?? null;
    if (isAlias(target)) {
      this.aliases++;
      if (this.aliases === MAX_ALIASES + 1) this.fail(at, path, `more than ${MAX_ALIASES} aliases`);
      target = this.aliases > MAX_ALIASES ? null : ((target.resolve(this.raw.doc) as Node | undefined) ?? null);
    }
    this.positions[path] = this.pos(at);
    return { node: target, at, path };
  }

  private pos(node: Node | null): SpecPos {
    return nodePos(this.raw, node);
  }
}

/** A short description of what was found instead, for "expected X, got Y". */
export function describeNode(node: unknown): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (!isScalar(node) || node.value === null || node.value === undefined) return "nothing";
  const v = node.value;
  if (typeof v === "string") return `a string ("${v.length > 40 ? `${v.slice(0, 37)}...` : v}")`;
  if (typeof v === "number") return `a number (${node.source ?? v})`;
  if (typeof v === "boolean") return `a boolean (${v})`;
  return typeof v;
}

function quoteHint(f: Field): string | undefined {
  return isScalar(f.node) && f.node.value !== null ? `quote it: "${f.node.source ?? String(f.node.value)}"` : undefined;
}

