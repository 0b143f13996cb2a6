import { describe, expect, test } from "bun:test";
import { datumParts, shortReason } from "../../src/run/reason.ts";

const part = (id: string, p: string, why = "exit 3") => `datum ${id} (${p}) failed: ${why}`;
const JOB = "0123456789abcdef0123";

describe("shortReason()", () => {
  test.each<[string, number, string]>([
    ["one datum", 1, part("aaaaaa", "/a")],
    ["three datums", 3, [part("aaaaaa", "/a"), part("bbbbbb", "/b"), part("cccccc", "/c")].join("; ")],
  ])("shortReason() keeps a reason naming %s as it is", (_, n, reason) => {
    expect(datumParts(reason).length).toBe(n);
    expect(shortReason(reason, JOB)).toBe(reason);
  });

  test("shortReason() names the first 3 of 5 failed datums and how many more, and where to list them", () => {
    const parts = ["a", "b", "c", "d", "e"].map((x) => part(x.repeat(6), `/${x}`));
    expect(shortReason(parts.join("; "), JOB)).toBe(`${parts.slice(0, 3).join("; ")}; and 2 more failed datums (calf list datum 0123456789ab --state failed)`);
  });

  test("datumParts() does not split a datum's own stderr tail at '; '", () => {
    const reason = [part("aaaaaa", "/a", "exit 1: x; y | z"), part("bbbbbb", "/b, /c")].join("; ");
    expect(datumParts(reason)).toEqual([part("aaaaaa", "/a", "exit 1: x; y | z"), part("bbbbbb", "/b, /c")]);
  });

  test("shortReason() leaves a reason that names no datums (job_timeout, runner died) as it is", () => {
    expect(shortReason("runner died", JOB)).toBe("runner died");
  });
});
