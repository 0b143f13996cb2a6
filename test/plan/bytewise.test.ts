import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { compareBytes, compareKeys } from "../../src/plan/bytewise.ts";

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe("compareBytes()", () => {
  test.each([
    ["a", "a", 0],
    ["a", "b", -1],
    ["b", "a", 1],
    ["a", "ab", -1],
    ["", "a", -1],
    ["Z", "a", -1],
    ["/a/b", "/a.b", 1], // "/" (0x2F) sorts after "." (0x2E)
    ["\uFFFD", "\u{1F600}", -1], // EF.. < F0..; UTF-16 order says the opposite
    ["\u{1F600}", "\u{1F601}", -1],
    ["x\u{10000}", "x\uE000", 1],
  ])("compareBytes(%p, %p) is %p", (a, b, expected) => {
    expect(compareBytes(a, b)).toBe(expected);
  });

  test("compareBytes() agrees with Buffer.compare of the UTF-8 encodings", () => {
    const str = fc.string({ unit: "binary", maxLength: 6 });
    fc.assert(
      fc.property(str, str, (a, b) => {
        expect(compareBytes(a, b)).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("compareKeys()", () => {
  test.each([
    [[], [], 0],
    [["/a"], ["/a"], 0],
    [["/a"], ["/b"], -1],
    [["/a", "/z"], ["/b"], -1],
    [["/a"], ["/a", "/b"], -1], // a proper prefix sorts first
    [["/b", "/a"], ["/a", "/z"], 1],
    [["\uFFFD"], ["\u{1F600}"], -1],
  ])("compareKeys(%p, %p) is %p", (a, b, expected) => {
    expect(compareKeys(a, b)).toBe(expected);
  });
});
