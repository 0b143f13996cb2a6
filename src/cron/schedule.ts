// Cron schedule math: parse 5-field cron, @daily-style macros and `@every D`,
// and find tick instants. Pure: no clock, no timers; all times are UTC.
// Day matching follows Vixie cron (crontab(5)): when day-of-month and day-of-week
// are both restricted (neither starts with "*"), a day matching either fires.

import { parseDuration } from "./duration.ts";

export interface CronFields {
  minute: boolean[]; // [0..59]
  hour: boolean[]; // [0..23]
  dom: boolean[]; // [1..31]
  month: boolean[]; // [1..12]
  dow: boolean[]; // [0..6], Sunday = 0
  domStar: boolean;
  dowStar: boolean;
}

export type Schedule =
  | { kind: "every"; text: string; everyMs: number }
  | { kind: "cron"; text: string; fields: CronFields };

export const SCHEDULE_HELP =
  '"minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *"), @hourly, @daily, @midnight, ' +
  '@weekly, @monthly, @yearly, @annually, or "@every <duration>" (e.g. "@every 30s")';

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[]; // names[i] stands for min + i
  question?: boolean; // "?" means "*" (Quartz and robfig/cron users write it)
}

const RULES: FieldRule[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, question: true },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day-of-week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], question: true },
];

const MINUTE = 60_000;
const SECOND = 1000;
const MAX_STEPS = 100_000; // a valid schedule fires within 8 years: far fewer steps

/** Parse a schedule; throws an Error saying what is wrong and what is accepted. */
export function parseSchedule(spec: string): Schedule {
  const text = spec.trim();
  const fail = (why: string): never => {
    throw new Error(`invalid cron spec "${spec}": ${why}; expected ${SCHEDULE_HELP}`);
  };
  if (text === "") fail("it is empty");
  if (text.startsWith("@every")) {
    const arg = text.slice("@every".length).trim();
    let everyMs = 0;
    try {
      everyMs = parseDuration(arg);
    } catch {
      fail(`"${arg}" is not a duration (units: ns, us, ms, s, m, h)`);
    }
    if (everyMs < SECOND) fail(`"@every ${arg}" is shorter than 1s`);
    return { kind: "every", text, everyMs };
  }
  const expanded = MACROS[text.toLowerCase()] ?? (text.startsWith("@") ? fail(`unknown macro "${text}"`) : text);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) fail(`it has ${parts.length} fields`);
  let sets: boolean[][] = [];
  try {
    sets = parts.map((p, i) => parseField(p, RULES[i]));
  } catch (e) {
    fail((e as Error).message);
  }
  const [minute, hour, dom, month, dowRaw] = sets;
  const dow = dowRaw.slice(0, 7);
  if (dowRaw[7]) dow[0] = true; // 7 is Sunday too
  const fields: CronFields = {
    minute, hour, dom, month, dow,
    domStar: parts[2].startsWith("*") || parts[2] === "?",
    dowStar: parts[4].startsWith("*") || parts[4] === "?",
  };
  if (fields.dowStar && !fields.domStar && !domFitsAMonth(fields)) fail("that day of the month never occurs in those months");
  return { kind: "cron", text, fields };
}

/** The first tick strictly after both `after` and `start` (`@every D`: start + k·D, k ≥ 1), truncated to the second. */
export function nextAfter(schedule: Schedule, after: Date, start: Date): Date {
  const from = Math.max(after.getTime(), start.getTime());
  if (schedule.kind === "cron") return new Date(forward(schedule.fields, from));
  const { everyMs } = schedule;
  const tick = (k: number) => truncate(start.getTime() + k * everyMs);
  let k = Math.max(1, Math.floor((from - start.getTime()) / everyMs));
  while (tick(k) <= from) k++;
  return new Date(tick(k));
}

/** Ticks in (from, to] and after `start`, oldest first, at most `max` (call again from the last to page). */
export function ticksBetween(schedule: Schedule, start: Date, from: Date, to: Date, max: number): Date[] {
  const out: Date[] = [];
  for (let t = nextAfter(schedule, from, start); t <= to && out.length < max; t = nextAfter(schedule, t, start)) {
    out.push(t);
  }
  return out;
}

/** The newest tick in (from, to] after `start`, or null: what an `overwrite` cron input catches up to. */
export function latestTick(schedule: Schedule, start: Date, from: Date, to: Date): Date | null {
  const floor = Math.max(from.getTime(), start.getTime());
  let t: number;
  if (schedule.kind === "cron") {
    t = backward(schedule.fields, to.getTime());
  } else {
    const { everyMs } = schedule;
    let k = Math.floor((to.getTime() - start.getTime()) / everyMs) + 1;
    while (k >= 1 && truncate(start.getTime() + k * everyMs) > to.getTime()) k--;
    t = k >= 1 ? truncate(start.getTime() + k * everyMs) : -Infinity;
  }
  return t > floor ? new Date(t) : null;
}

function parseField(text: string, rule: FieldRule): boolean[] {
  const set: boolean[] = new Array(rule.max + 1).fill(false);
  for (const item of text.split(",")) {
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined || range === "") throw new Error(`${rule.name} "${item}" is malformed`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!/^\d+$/.test(stepText ?? "1") || step < 1) throw new Error(`${rule.name} step "${stepText}" must be a positive number`);
    if (range === "?" && !rule.question) throw new Error(`"?" is only allowed in day-of-month and day-of-week`);
    let lo = rule.min;
    let hi = rule.max;
    if (range !== "*" && range !== "?") {
      const [a, b, more] = range.split("-");
      if (more !== undefined) throw new Error(`${rule.name} range "${range}" is malformed`);
      lo = value(a, rule);
      // "N/S" means "N-max/S", as in most crons.
      hi = b !== undefined ? value(b, rule) : stepText === undefined ? lo : rule.max;
      if (lo > hi) throw new Error(`${rule.name} range "${range}" runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) set[v] = true;
  }
  return set;
}

function value(text: string, rule: FieldRule): number {
  const byName = rule.names?.indexOf(text.toLowerCase()) ?? -1;
  if (byName >= 0) return rule.min + byName;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n) || n < rule.min || n > rule.max) {
    const names = rule.names === undefined ? "" : ` or ${rule.names[0]}-${rule.names[rule.names.length - 1]}`;
    throw new Error(`${rule.name} "${text}" is not in ${rule.min}-${rule.max}${names}`);
  }
  return n;
}

// With day-of-week unrestricted, some chosen day must exist in some chosen month (Feb has 29 in leap years).
function domFitsAMonth(f: CronFields): boolean {
  const longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return f.month.some((on, m) => on && f.dom.some((d, day) => d && day <= longest[m]));
}

function dayMatches(f: CronFields, t: Date): boolean {
  const dom = f.dom[t.getUTCDate()];
  const dow = f.dow[t.getUTCDay()];
  return f.domStar || f.dowStar ? dom && dow : dom || dow;
}

// First whole minute strictly after `ms` that the fields match: skip whole months, days, hours.
function forward(f: CronFields, ms: number): number {
  let t = Math.floor(ms / MINUTE) * MINUTE + MINUTE;
  for (let i = 0; i < MAX_STEPS; i++) {
    const d = new Date(t);
    const [y, mo, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
    if (!f.month[mo + 1]) t = Date.UTC(y, mo + 1, 1);
    else if (!dayMatches(f, d)) t = Date.UTC(y, mo, day + 1);
    else if (!f.hour[h]) t = Date.UTC(y, mo, day, h + 1);
    else if (!f.minute[d.getUTCMinutes()]) t += MINUTE;
    else return t;
  }
  throw new Error("cron schedule never fires"); // unreachable for a parsed schedule
}

// Last whole minute at or before `ms` that the fields match: the mirror of forward().
function backward(f: CronFields, ms: number): number {
  let t = Math.floor(ms / MINUTE) * MINUTE;
  for (let i = 0; i < MAX_STEPS; i++) {
    const d = new Date(t);
    const [y, mo, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
    if (!f.month[mo + 1]) t = Date.UTC(y, mo, 1) - MINUTE;
    else if (!dayMatches(f, d)) t = Date.UTC(y, mo, day) - MINUTE;
    else if (!f.hour[h]) t = Date.UTC(y, mo, day, h) - MINUTE;
    else if (!f.minute[d.getUTCMinutes()]) t -= MINUTE;
    else return t;
  }
  throw new Error("cron schedule never fires");
}

function truncate(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

export interface CatchUp {
  /** The ticks to make, oldest first: the newest `max` of (from, to]. */
  ticks: Date[];
  /** The older due ticks left out, or null when none were. */
  skipped: { first: Date; last: Date; count: number; exact: boolean } | null;
}

/** How far counting skipped ticks of a cron schedule goes before it says "at least". */
const COUNT_LIMIT = 100_000;

/**
 * The due ticks in (from, to] after `start`, bounded to the newest `max`
 * (a `start` months in the past must not make millions of commits), and
 * what was left out, for a log line.
 */
export function catchUp(schedule: Schedule, start: Date, from: Date, to: Date, max: number): CatchUp {
  const newest: Date[] = [];
  let upTo = to;
  while (newest.length < max) {
    const t = latestTick(schedule, start, from, upTo);
    if (t === null) break;
    newest.push(t);
    upTo = new Date(t.getTime() - 1);
  }
  const ticks = newest.reverse();
  const last = ticks.length ? latestTick(schedule, start, from, new Date(ticks[0]!.getTime() - 1)) : null;
  if (last === null) return { ticks, skipped: null };
  const first = nextAfter(schedule, from, start);
  let count: number;
  let exact = true;
  if (schedule.kind === "every") {
    const k = (t: Date) => Math.ceil((t.getTime() - start.getTime()) / schedule.everyMs);
    count = k(last) - k(first) + 1;
  } else {
    count = 1;
    for (let t = first; t < last; t = nextAfter(schedule, t, start)) {
      if (++count >= COUNT_LIMIT) {
        exact = false;
        break;
      }
    }
  }
  return { ticks, skipped: { first, last, count, exact } };
}
