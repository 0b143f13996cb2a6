// The text of the datum batching protocol (README "Datum batching"): the one
// line calf writes per datum into $CALF_DATUMS, and the answer it reads back
// from $CALF_ANSWERS. Pure; batch.ts does the talking.
import { shQuote } from "./sandbox.ts";

/** A datum that cannot be told in one line (a value holding a line break). */
export class BatchLineError extends Error {}

/** Answers longer than this are not answers (a runaway writer): the process is stopped. */
export const MAX_ANSWER = 4096;
/** How much of a `fail` reason is kept. */
const MAX_REASON = 500;

/** Bytes a shell word may hold unquoted. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]*$/;

/**
 * `<datum id> NAME=VALUE ...` + "\n": each value shell-quoted where it needs
 * it, so `eval "export $vars"` in sh and `shlex.split()` in Python read it
 * back exactly. A value with a line break cannot be on one line: throws.
 */
export function datumLine(id: string, vars: [string, string][]): string {
  const words = [id];
  for (const [k, v] of vars) {
    if (/[\n\r]/.test(v)) throw new BatchLineError(`${k} holds a line break, which one datum line cannot carry (run the pipeline without datum_batching)`);
    words.push(`${k}=${PLAIN.test(v) ? v : shQuote(v)}`);
  }
  return words.join(" ") + "\n";
}

/**
 * What a datum line carries: the variables of the datum's environment
 * (`full`) that differ from the batch process's own (`job`), in a stable
 * order, plus every name an earlier line carried (`sent`, updated) that this
 * datum lacks, as an empty value: after an `eval` nothing of the previous
 * datum is left set (an outer join's missing input).
 */
export function lineVars(full: Record<string, string>, job: Record<string, string | undefined>, sent: Set<string>): [string, string][] {
  const vars: [string, string][] = [];
  for (const [k, v] of Object.entries(full)) if (job[k] !== v) vars.push([k, v]);
  const mine = new Set(vars.map(([k]) => k));
  for (const k of sent) if (!mine.has(k)) vars.push([k, ""]);
  for (const k of mine) sent.add(k);
  return vars.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export type Answer =
  | { kind: "ok" }
  | { kind: "fail"; reason: string }
  /** Not an answer: the process does not speak the protocol; it is stopped. */
  | { kind: "bad"; reason: string };

/** `ok`, or `fail` with an optional reason; anything else is a protocol error. Trailing blanks (and a CR) are ignored. */
export function parseAnswer(line: string): Answer {
  const text = line.replace(/[\s]+$/, "");
  if (text === "ok") return { kind: "ok" };
  const m = /^fail(?:[ \t]+(.*))?$/s.exec(text);
  if (m) return { kind: "fail", reason: clean(m[1] ?? "") || "the transform answered fail" };
  return { kind: "bad", reason: `the transform answered ${JSON.stringify(clean(text).slice(0, 80))}, not "ok" or "fail <reason>"` };
}

/** A reason as calf stores it: control characters as spaces, at most MAX_REASON characters. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  return t.length > MAX_REASON ? `${t.slice(0, MAX_REASON)}…` : t;
}
