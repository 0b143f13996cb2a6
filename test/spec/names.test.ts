import { describe, expect, test } from "bun:test";
import { inputNameProblem, pipelineNameProblem, simpleNameProblem } from "../../src/spec/names.ts";

describe("pipelineNameProblem()", () => {
  test.each<[string, boolean]>([
    ["edges", true],
    ["a", true],
    ["A_b-9", true],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
    ["", false],
    ["-a", false],
    ["a_", false],
    ["a.b", false],
    ["a b", false],
    ["cron", false],
  ])("pipelineNameProblem(%p) accepts: %p", (name, ok) => {
    expect(pipelineNameProblem(name) === undefined).toBe(ok);
  });
});

describe("simpleNameProblem() and inputNameProblem()", () => {
  test.each<[string, boolean]>([["images", true], ["_x-1", true], ["", false], ["a/b", false], ["a.b", false]])(
    "simpleNameProblem(%p) accepts: %p", (name, ok) => {
      expect(simpleNameProblem(name, "repo name") === undefined).toBe(ok);
    });

  test("inputNameProblem() reserves out for the output folder", () => {
    expect(inputNameProblem("out")).toEqual(['"out" is reserved for the output folder /pfs/out', "choose another input name"]);
    expect(inputNameProblem("output")).toBeUndefined();
  });
});
