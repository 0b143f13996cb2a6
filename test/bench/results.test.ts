import { describe, expect, test } from "bun:test";
import { Results, type Figure } from "../../bench/results.ts";

function fig(r: Results, row: string, samples: number[], extra: Partial<Figure> = {}): Figure {
  return r.add({ table: "t", row, col: "c", unit: "ms", samples, ...extra });
}

describe("Results.ratioTarget()", () => {
  test("ratioTarget() judges a / b of the medians against an upper limit", () => {
    const r = new Results();
    r.ratioTarget("ok", fig(r, "a", [10, 30, 20]), fig(r, "b", [10, 10, 10]), 2);
    r.ratioTarget("over", fig(r, "a2", [25]), fig(r, "b2", [10]), 2);
    expect(r.targets.map((t) => [t.name, t.measured, t.goal, t.pass])).toEqual([
      ["ok", "2.00×", "≤ 2×", true],
      ["over", "2.50×", "≤ 2×", false],
    ]);
  });

  test("ratioTarget() with atLeast judges a lower limit", () => {
    const r = new Results();
    r.ratioTarget("tp", fig(r, "a", [300]), fig(r, "b", [700]), 0.5, { atLeast: true });
    expect(r.targets[0]).toMatchObject({ measured: "0.43×", goal: "≥ 0.5×", pass: false });
  });

  test("ratioTarget() with judged: false reports the ratio without a verdict", () => {
    const r = new Results();
    r.ratioTarget("1k", fig(r, "a", [30]), fig(r, "b", [10]), 1, { judged: false });
    expect(r.targets[0]).toMatchObject({ measured: "3.00×", goal: "≤ 1× (judged at N = 10k; reported here)", pass: null });
  });

  test("ratioTarget() paired judges the median of the per-round ratios and lists them", () => {
    const r = new Results();
    // The medians say 20 / 10 = 2.0; round by round it was 1.0, 0.67 and 3.0 (the machine's speed drifted).
    r.ratioTarget("p", fig(r, "a", [10, 20, 30]), fig(r, "b", [10, 30, 10]), 1.5, { paired: true });
    expect(r.targets[0]).toMatchObject({ measured: "1.00× (pairs 1.00, 0.67, 3.00)", goal: "≤ 1.5×", pass: true });
  });

  test("ratioTarget() says why when a figure is missing", () => {
    const r = new Results();
    r.ratioTarget("gone", fig(r, "a", [], { failed: "exit 1" }), fig(r, "b", [10]), 1);
    expect(r.targets[0]).toMatchObject({ measured: "n/a (exit 1)", pass: null });
  });
});
