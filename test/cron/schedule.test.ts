import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { catchUp, latestTick, nextAfter, parseSchedule, SCHEDULE_HELP, ticksBetween } from "../../src/cron/schedule.ts";

const at = (iso: string) => new Date(iso);
const EPOCH = at("2000-01-01T00:00:00Z");

describe("parseSchedule() accepts", () => {
  test.each<[string, { kind: string; everyMs?: number }]>([
    ["* * * * *", { kind: "cron" }],
    ["*/15 0-6,18-23 * * *", { kind: "cron" }],
    ["0 9-17/2 * * mon-fri", { kind: "cron" }],
    ["0 0 1 JAN,Jul *", { kind: "cron" }],
    ["5/20 * * * *", { kind: "cron" }],
    ["0 0 ? * 7", { kind: "cron" }],
    ["0 0 29 2 *", { kind: "cron" }], // fires in leap years
    ["  0   0 * * *  ", { kind: "cron" }],
    ["@hourly", { kind: "cron" }],
    ["@DAILY", { kind: "cron" }],
    ["@every 30s", { kind: "every", everyMs: 30_000 }],
    ["@every 1h30m", { kind: "every", everyMs: 5_400_000 }],
    ["@every 1.5s", { kind: "every", everyMs: 1500 }],
  ])("parseSchedule(%p)", (spec, want) => {
    expect(parseSchedule(spec)).toMatchObject(want);
  });

  test("parseSchedule() expands names, steps and dow 7 into field sets", () => {
    const s = parseSchedule("5/20 9-17/4 1,15 jun-aug sat-7");
    if (s.kind !== "cron") throw new Error("expected cron");
    const on = (set: boolean[]) => set.flatMap((v, i) => (v ? [i] : []));
    expect(on(s.fields.minute)).toEqual([5, 25, 45]);
    expect(on(s.fields.hour)).toEqual([9, 13, 17]);
    expect(on(s.fields.dom)).toEqual([1, 15]);
    expect(on(s.fields.month)).toEqual([6, 7, 8]);
    expect(on(s.fields.dow)).toEqual([0, 6]);
    expect([s.fields.domStar, s.fields.dowStar]).toEqual([false, false]);
  });
});

describe("parseSchedule() rejects with what is accepted", () => {
  test.each<[string, string]>([
    ["", "it is empty"],
    ["* * * *", "it has 4 fields"],
    ["* * * * * *", "it has 6 fields"],
    ["60 * * * *", 'minute "60" is not in 0-59'],
    ["* 24 * * *", 'hour "24" is not in 0-23'],
    ["* * 0 * *", 'day-of-month "0" is not in 1-31'],
    ["* * * 13 *", 'month "13" is not in 1-12 or jan-dec'],
    ["* * * * 8", 'day-of-week "8" is not in 0-7 or sun-sat'],
    ["* * * * funday", 'day-of-week "funday" is not in 0-7 or sun-sat'],
    ["5-1 * * * *", 'minute range "5-1" runs backwards'],
    ["*/0 * * * *", 'minute step "0" must be a positive number'],
    ["*/x * * * *", 'minute step "x" must be a positive number'],
    ["1,,2 * * * *", 'minute "" is malformed'],
    ["1-2-3 * * * *", 'minute range "1-2-3" is malformed'],
    ["? * * * *", '"?" is only allowed in day-of-month and day-of-week'],
    ["0 0 30 2 *", "that day of the month never occurs in those months"],
    ["0 0 31 4,6 *", "that day of the month never occurs in those months"],
    ["@reboot", 'unknown macro "@reboot"'],
    ["@every 500ms", '"@every 500ms" is shorter than 1s'],
    ["@every 5", '"5" is not a duration (units: ns, us, ms, s, m, h)'],
    ["@every", '"" is not a duration (units: ns, us, ms, s, m, h)'],
  ])("parseSchedule(%p) throws", (spec, why) => {
    expect(() => parseSchedule(spec)).toThrow(new Error(`invalid cron spec "${spec}": ${why}; expected ${SCHEDULE_HELP}`));
  });
});

describe("nextAfter() with cron fields", () => {
  test.each<[string, string, string, string]>([
    // [spec, after, start, want]
    ["* * * * *", "2026-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2026-01-01T00:01:00Z"], // strictly after
    ["* * * * *", "2026-01-01T00:00:30.500Z", "2000-01-01T00:00:00Z", "2026-01-01T00:01:00Z"],
    ["*/15 * * * *", "2026-01-01T00:14:59Z", "2000-01-01T00:00:00Z", "2026-01-01T00:15:00Z"],
    ["0 * * * *", "2026-01-01T23:00:00Z", "2000-01-01T00:00:00Z", "2026-01-02T00:00:00Z"], // day boundary
    ["0 0 1 * *", "2026-01-31T12:00:00Z", "2000-01-01T00:00:00Z", "2026-02-01T00:00:00Z"], // month boundary
    ["0 0 31 * *", "2026-02-01T00:00:00Z", "2000-01-01T00:00:00Z", "2026-03-31T00:00:00Z"], // skips short months
    ["0 0 29 2 *", "2026-03-01T00:00:00Z", "2000-01-01T00:00:00Z", "2028-02-29T00:00:00Z"], // next leap year
    ["@yearly", "2026-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2027-01-01T00:00:00Z"],
    ["59 23 31 12 *", "2026-12-31T23:59:00Z", "2000-01-01T00:00:00Z", "2027-12-31T23:59:00Z"], // year boundary
    ["@weekly", "2026-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2026-01-04T00:00:00Z"], // Thu -> Sun
    ["0 12 * * 7", "2026-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2026-01-04T12:00:00Z"], // 7 is Sunday
    ["0 9 * * mon-fri", "2026-01-02T09:00:00Z", "2000-01-01T00:00:00Z", "2026-01-05T09:00:00Z"], // Fri -> Mon
    ["30 2 * * *", "2026-03-29T01:00:00Z", "2000-01-01T00:00:00Z", "2026-03-29T02:30:00Z"], // UTC: no DST gap
    ["0 0 1 jun,dec *", "2026-06-01T00:00:00Z", "2000-01-01T00:00:00Z", "2026-12-01T00:00:00Z"],
    ["0 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T05:00:00Z", "2026-01-01T06:00:00Z"], // never at start
    ["0 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T05:00:01Z", "2026-01-01T06:00:00Z"],
    // Vixie: both day fields restricted -> either matches (the 13th OR a Friday)
    ["0 0 13 * 5", "2026-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
    ["0 0 13 * 5", "2026-01-09T00:00:00Z", "2000-01-01T00:00:00Z", "2026-01-13T00:00:00Z"],
    ["0 0 13 * 5", "2026-01-13T00:00:00Z", "2000-01-01T00:00:00Z", "2026-01-16T00:00:00Z"],
    // a day field starting with "*" is unrestricted, so both must match: days 1,11,21,31 that are Mondays
    ["0 0 */10 * 1", "2026-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2026-05-11T00:00:00Z"],
    ["0 0 ? * 1", "2026-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2026-01-05T00:00:00Z"],
  ])("nextAfter(%p) after %s (start %s) is %s", (spec, after, start, want) => {
    expect(nextAfter(parseSchedule(spec), at(after), at(start)).toISOString()).toBe(at(want).toISOString());
  });
});

describe("nextAfter() with @every counts from start", () => {
  test.each<[string, string, string, string]>([
    ["@every 30s", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:30Z"],
    ["@every 30s", "2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:30Z"], // after before start
    ["@every 30s", "2026-01-01T00:01:10Z", "2026-01-01T00:00:00Z", "2026-01-01T00:01:30Z"],
    ["@every 30s", "2026-01-01T00:01:30Z", "2026-01-01T00:00:00Z", "2026-01-01T00:02:00Z"], // strictly after
    ["@every 1h", "2026-01-01T00:00:00Z", "2026-01-01T00:20:00Z", "2026-01-01T01:20:00Z"], // not aligned to the clock
    ["@every 1.5s", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z"], // 1.5s truncated
    ["@every 1.5s", "2026-01-01T00:00:01Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:03Z"],
    ["@every 1.5s", "2026-01-01T00:00:03Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:04Z"], // 4.5s truncated
    ["@every 1s", "2026-01-01T00:00:00.700Z", "2026-01-01T00:00:00.700Z", "2026-01-01T00:00:01Z"],
    ["@every 1s", "2026-01-01T00:00:01.200Z", "2026-01-01T00:00:00.700Z", "2026-01-01T00:00:02Z"],
  ])("nextAfter(%p) after %s (start %s) is %s", (spec, after, start, want) => {
    expect(nextAfter(parseSchedule(spec), at(after), at(start)).toISOString()).toBe(at(want).toISOString());
  });
});

describe("ticksBetween() and latestTick()", () => {
  const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
  test.each<[string, string, string, string, number, string[]]>([
    // [spec, start, from, to, max, want]
    ["@every 1h", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z", 10,
      ["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z", "2026-01-01T03:00:00.000Z"]], // `to` included
    ["@every 1h", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z", 2,
      ["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z"]], // oldest first, at most max
    ["@every 1h", "2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T03:30:00Z", 10,
      ["2026-01-01T03:00:00.000Z"]], // `from` excluded
    ["0 0 * * *", EPOCH.toISOString(), "2026-01-30T12:00:00Z", "2026-02-02T00:00:00Z", 10,
      ["2026-01-31T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-02-02T00:00:00.000Z"]],
    ["0 0 * * *", "2026-02-01T00:00:00Z", "2026-01-30T12:00:00Z", "2026-02-02T00:00:00Z", 10,
      ["2026-02-02T00:00:00.000Z"]], // nothing at or before start
    ["@daily", EPOCH.toISOString(), "2026-01-01T00:00:00Z", "2026-01-01T23:59:59Z", 10, []],
  ])("ticksBetween(%p, start %s) in (%s, %s] max %p", (spec, start, from, to, max, want) => {
    expect(iso(ticksBetween(parseSchedule(spec), at(start), at(from), at(to), max))).toEqual(want);
  });

  test.each<[string, string, string, string, string | null]>([
    ["@every 1h", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T03:30:00Z", "2026-01-01T03:00:00.000Z"],
    ["@every 1h", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:59:59Z", null],
    ["@every 1h", "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z", "2026-01-01T03:30:00Z", null], // `from` excluded
    ["@every 1.5s", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:04.200Z", "2026-01-01T00:00:04.000Z"],
    ["0 0 1 * *", EPOCH.toISOString(), "2025-01-01T00:00:00Z", "2026-03-15T10:00:00Z", "2026-03-01T00:00:00.000Z"],
    ["0 0 31 * *", EPOCH.toISOString(), "2025-01-01T00:00:00Z", "2026-04-30T23:59:00Z", "2026-03-31T00:00:00.000Z"],
    ["0 0 13 * 5", EPOCH.toISOString(), "2025-01-01T00:00:00Z", "2026-01-15T00:00:00Z", "2026-01-13T00:00:00.000Z"],
    ["@weekly", "2026-01-04T00:00:00Z", "2025-01-01T00:00:00Z", "2026-01-10T00:00:00Z", null], // start is not a tick
  ])("latestTick(%p, start %s) in (%s, %s] is %p", (spec, start, from, to, want) => {
    expect(latestTick(parseSchedule(spec), at(start), at(from), at(to))?.toISOString() ?? null).toBe(want);
  });

  test("latestTick() is the last of ticksBetween() for every schedule in the table", () => {
    for (const spec of ["*/7 * * * *", "0 0 13 * 5", "@every 45s", "0 3 * feb mon"]) {
      const s = parseSchedule(spec);
      const [start, from, to] = [at("2026-01-01T00:00:10Z"), at("2026-01-20T00:00:00Z"), at("2026-02-20T00:00:00Z")];
      const all = ticksBetween(s, start, from, to, 1_000_000);
      expect(latestTick(s, start, from, to)?.toISOString()).toBe(all[all.length - 1]?.toISOString());
    }
  });
});

describe("nextAfter() properties", () => {
  const field = (lo: number, hi: number) =>
    fc.oneof(
      fc.constant("*"),
      fc.integer({ min: lo, max: hi }).map(String),
      fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.integer({ min: 1, max: 9 }).map((n) => `*/${n}`),
    );
  const cronSpec = fc
    .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 7))
    .map((parts) => parts.join(" "));
  const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms));

  test("nextAfter() is strictly later, on a whole minute, and no tick lies in between", () => {
    fc.assert(
      fc.property(cronSpec, instant, (spec, after) => {
        const s = parseSchedule(spec);
        const next = nextAfter(s, after, EPOCH);
        expect(next.getTime()).toBeGreaterThan(after.getTime());
        expect(next.getTime() % 60_000).toBe(0);
        expect(latestTick(s, EPOCH, after, new Date(next.getTime() - 1))).toBeNull();
        expect(latestTick(s, EPOCH, after, next)?.getTime()).toBe(next.getTime());
      }),
      { numRuns: 300 },
    );
  });
});

describe("catchUp()", () => {
  const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
  test("catchUp() keeps the newest `max` due ticks, oldest first, and counts what it skipped", () => {
    const r = catchUp(parseSchedule("@every 1h"), at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), at("2026-01-01T10:30:00Z"), 3);
    expect(iso(r.ticks)).toEqual(["2026-01-01T08:00:00.000Z", "2026-01-01T09:00:00.000Z", "2026-01-01T10:00:00.000Z"]);
    expect(r.skipped).toEqual({ first: at("2026-01-01T01:00:00Z"), last: at("2026-01-01T07:00:00Z"), count: 7, exact: true });
  });

  test("catchUp() skips nothing when every due tick fits", () => {
    const r = catchUp(parseSchedule("0 * * * *"), EPOCH, at("2026-01-01T00:00:00Z"), at("2026-01-01T02:00:00Z"), 5);
    expect(iso(r.ticks)).toEqual(["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z"]);
    expect(r.skipped).toBeNull();
  });

  test.each(["*/7 * * * *", "0 0 13 * 5", "@every 45s", "@every 1s", "0 3 * feb mon"])("catchUp(%p) is the tail of ticksBetween(), and counts the rest exactly", (spec) => {
    const s = parseSchedule(spec);
    const [start, from, to] = [at("2026-01-01T00:00:10.300Z"), at("2026-01-20T00:00:00Z"), at("2026-02-20T00:00:00Z")];
    const all = ticksBetween(s, start, from, to, 10_000_000);
    const r = catchUp(s, start, from, to, 4);
    expect(iso(r.ticks)).toEqual(iso(all.slice(-4)));
    const skipped = all.slice(0, -4);
    expect(r.skipped && { ...r.skipped, first: r.skipped.first.toISOString(), last: r.skipped.last.toISOString() }).toEqual(
      skipped.length ? { first: skipped[0]!.toISOString(), last: skipped.at(-1)!.toISOString(), count: skipped.length, exact: true } : null,
    );
  });

  test("catchUp() over a year of minutes says 'at least' instead of counting them all", () => {
    const r = catchUp(parseSchedule("* * * * *"), EPOCH, at("2025-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), 100);
    expect(r.ticks.length).toBe(100);
    expect(r.skipped!.exact).toBe(false);
    expect(r.skipped!.count).toBe(100_000);
  });
});
