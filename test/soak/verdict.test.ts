import { describe, expect, test } from "bun:test";
import { growthProblems, sequenceProblem, type Sample } from "../../soak/verdict.ts";

describe("sequenceProblem()", () => {
  test.each<[number[], string | null]>([
    [[], null],
    [[3, 1, 2], null],
    [[1, 2, 2, 3], "duplicate 2"],
    [[1, 3, 4], "gap at 2 (of 1..4)"],
    [[2], "gap at 1 (of 1..2)"],
  ])("sequenceProblem(%j) is %j", (numbers, want) => {
    expect(sequenceProblem(numbers)).toBe(want);
  });
});

describe("growthProblems()", () => {
  const samples = (f: (t: number) => Partial<Sample>): Sample[] =>
    Array.from({ length: 40 }, (_, t) => ({ t, rssKiB: 100_000, fds: 30, tmpFiles: 3, scratch: 1, procs: 2, ...f(t) }));

  test("growthProblems() accepts flat samples and ones that come back down", () => {
    expect(growthProblems(samples(() => ({})))).toEqual([]);
    expect(growthProblems(samples((t) => ({ fds: t === 20 ? 200 : 30 })))).toEqual([]);
  });

  test("growthProblems() names fds, RSS, temp files and scratch folders that grew", () => {
    const grown = growthProblems(samples((t) => ({ fds: 30 + t, rssKiB: 100_000 + t * 20_000, tmpFiles: t * 20, scratch: t })));
    expect(grown).toEqual([
      "open fds grew: 39 in the first quarter, 69 in the last",
      "RSS grew: 273 MiB in the first quarter, 859 MiB in the last",
      "temp files reached 780 (at most 500)",
      "scratch folders reached 39 (at most 20)",
    ]);
  });

  test("growthProblems() wants enough samples", () => {
    expect(growthProblems(samples(() => ({})).slice(0, 5))).toEqual(["too few samples to judge growth (run longer)"]);
  });
});
