import { describe, expect, test } from "bun:test";
import { parseDuration } from "../../src/cron/duration.ts";

describe("parseDuration() accepts Go durations", () => {
  test.each<[string, number]>([
    ["0", 0],
    ["300ms", 300],
    ["10s", 10_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    [".5s", 500],
    ["1.s", 1000],
    ["2h45m30.5s", 9_930_500],
    ["1500us", 1.5],
    ["1500\u00b5s", 1.5],
    ["1500\u03bcs", 1.5],
    ["1000000ns", 1],
    ["-5s", -5000],
    ["+5s", 5000],
  ])("parseDuration(%p) is %p ms", (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });
});

describe("parseDuration() rejects anything else with what is accepted", () => {
  const UNITS = '(units: ns, us, ms, s, m, h, combined as in "1h30m" or "1.5h")';
  test.each<[string, string]>([
    ["", "it is empty"],
    ["5", '"5" has no unit'],
    ["5x", 'unknown unit "x"'],
    ["1d", 'unknown unit "d"'],
    ["s", '"s" does not start with a number'],
    [".s", '".s" does not start with a number'],
    ["1h 30m", 'unknown unit "h "'],
    ["-", "it is empty"],
  ])("parseDuration(%p) throws", (text, why) => {
    expect(() => parseDuration(text)).toThrow(new Error(`invalid duration "${text}": ${why} ${UNITS}`));
  });
});
