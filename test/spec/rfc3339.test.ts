import { describe, expect, test } from "bun:test";
import { parseRfc3339 } from "../../src/spec/rfc3339.ts";

describe("parseRfc3339()", () => {
  test.each<[string, string | undefined]>([
    ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000Z"],
    ["2026-01-02t03:04:05z", "2026-01-02T03:04:05.000Z"],
    ["2026-01-02T05:04:05+02:00", "2026-01-02T03:04:05.000Z"],
    ["2026-01-01T00:30:00-01:00", "2026-01-01T01:30:00.000Z"],
    ["2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05.123Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"], // leap day
    ["2026-02-29T00:00:00Z", undefined],
    ["2026-02-30T00:00:00Z", undefined],
    ["2026-13-01T00:00:00Z", undefined],
    ["2026-01-01T24:00:00Z", undefined],
    ["2026-01-01T00:00:60Z", undefined],
    ["2026-01-01T00:00:00", undefined], // no offset
    ["2026-01-01 00:00:00Z", undefined],
    ["2026-01-01", undefined],
  ])("parseRfc3339(%p) is %p", (text, iso) => {
    expect(parseRfc3339(text)?.toISOString()).toBe(iso);
  });
});
