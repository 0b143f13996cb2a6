import { describe, expect, test } from "bun:test";
import { didYouMean, editDistance, suggest } from "../../src/spec/suggest.ts";

describe("editDistance()", () => {
  test.each<[string, string, number]>([
    ["", "", 0],
    ["abc", "", 3],
    ["", "abc", 3],
    ["images", "images", 0],
    ["imgaes", "images", 1], // adjacent swap counts once
    ["paralelism_spec", "parallelism_spec", 1],
    ["kitten", "sitting", 3],
    ["ca", "abc", 3], // optimal string alignment, not full Damerau
  ])("editDistance(%p, %p) is %p", (a, b, want) => {
    expect(editDistance(a, b)).toBe(want);
    expect(editDistance(b, a)).toBe(want);
  });
});

describe("suggest()", () => {
  const TOP = ["pipeline", "transform", "input", "parallelism_spec", "datum_tries", "datum_timeout", "job_timeout"];
  test.each<[string, string[], string | undefined]>([
    ["paralelism_spec", TOP, "parallelism_spec"],
    ["Input", TOP, "input"], // case-insensitive
    ["inptu", TOP, "input"],
    ["datum_timout", TOP, "datum_timeout"],
    ["datum_trie", TOP, "datum_tries"],
    ["resources", TOP, undefined], // nothing close
    ["input", TOP, undefined], // an exact match needs no suggestion
    ["ab", ["ax", "ay"], "ax"], // ties go to the lexically first
    ["ab", ["ay", "ax"], "ax"],
    ["imgaes", ["edges", "images", "montage"], "images"],
  ])("suggest(%p) picks %p", (word, candidates, want) => {
    expect(suggest(word, candidates)).toBe(want);
  });

  test("didYouMean() phrases the suggestion, or gives undefined", () => {
    expect(didYouMean("imgaes", ["images"])).toBe('did you mean "images"?');
    expect(didYouMean("zzz", ["images"])).toBeUndefined();
  });
});
