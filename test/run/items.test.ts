import { describe, expect, test } from "bun:test";
import type { Datum } from "../../src/plan/types.ts";
import { planItems, type PreviousDatum } from "../../src/run/items.ts";

const datum = (id: string, path: string): { datum: Datum; hash: string } => ({
  datum: {
    id,
    inputs: [{ name: "in", repo: "in", branch: "master", commit: "c", path, type: "file", hash: `content-${id}`, size: 1, reference: false, emptyFiles: false }],
    sortKey: [path],
  },
  hash: `hash-${id}`,
});
const prev = (id: string, state: string, path = `/${id}`): [string, PreviousDatum] => [id, { id, state, paths: [path] }];

type Row = [id: string, action: string, reason: string];
const rows = (items: ReturnType<typeof planItems>): Row[] => items.map((i) => [i.id, i.action, i.reason]);

describe("planItems()", () => {
  // --- [case, previous datums, known hashes, everyJob, reprocess, expected rows] ---
  test.each<[string, [string, PreviousDatum][], string[], boolean, boolean, Row[]]>([
    ["processes a datum never seen before as new", [], [], false, false, [["a", "process", "new"]]],
    ["skips a datum whose hash has a recorded result as unchanged", [prev("a", "success")], ["hash-a"], false, false, [["a", "skip", "unchanged"]]],
    ["skips on a known hash even without a previous job", [], ["hash-a"], false, false, [["a", "skip", "unchanged"]]],
    ["processes a datum of the previous job with a new hash as changed", [prev("a", "success")], [], false, false, [["a", "process", "changed"]]],
    ["processes a datum skipped last time with a new hash as changed", [prev("a", "skipped")], [], false, false, [["a", "process", "changed"]]],
    ["reruns a datum that failed last time as failed_before", [prev("a", "failed")], [], false, false, [["a", "process", "failed_before"]]],
    ["reruns a recovered datum as failed_before", [prev("a", "recovered")], [], false, false, [["a", "process", "failed_before"]]],
    ["marks everything processed under --reprocess as reprocess", [prev("a", "success")], [], false, true, [["a", "process", "reprocess"]]],
    ["prefers failed_before over reprocess", [prev("a", "failed")], [], false, true, [["a", "process", "failed_before"]]],
    ["never skips under every_job", [prev("a", "success")], ["hash-a"], true, false, [["a", "process", "changed"]]],
    ["never skips a new datum under every_job", [], ["hash-a"], true, false, [["a", "process", "new"]]],
    ["lists a datum of the previous job that is gone as removed", [prev("a", "success"), prev("z", "success")], ["hash-a"], false, false, [["a", "skip", "unchanged"], ["z", "remove", "removed"]]],
    ["lists a previously failed datum that is gone as removed", [prev("a", "success"), prev("z", "failed")], ["hash-a"], false, false, [["a", "skip", "unchanged"], ["z", "remove", "removed"]]],
  ])("planItems() %s", (_what, previous, known, everyJob, reprocess, want) => {
    const items = planItems({ datums: [datum("a", "/a")], known: new Set(known), previous: new Map(previous), everyJob, reprocess });
    expect(rows(items)).toEqual(want);
  });

  test("planItems() keeps the datums' order and puts removals last", () => {
    const items = planItems({
      datums: [datum("c", "/c"), datum("a", "/a"), datum("b", "/b")],
      known: new Set(["hash-a"]),
      previous: new Map([prev("gone1", "success"), prev("a", "success"), prev("gone2", "success")]),
      everyJob: false,
      reprocess: false,
    });
    expect(rows(items)).toEqual([
      ["c", "process", "new"],
      ["a", "skip", "unchanged"],
      ["b", "process", "new"],
      ["gone1", "remove", "removed"],
      ["gone2", "remove", "removed"],
    ]);
  });

  test("planItems() carries paths, hash and datum; a removal carries the old paths and no datum", () => {
    const d = datum("a", "/dir/a.txt");
    const [kept, removed] = planItems({ datums: [d], known: new Set(), previous: new Map([prev("old", "success", "/old.txt")]), everyJob: false, reprocess: false });
    expect(kept).toEqual({ id: "a", action: "process", reason: "new", paths: ["/dir/a.txt"], hash: "hash-a", datum: d.datum });
    expect(removed).toEqual({ id: "old", action: "remove", reason: "removed", paths: ["/old.txt"], hash: "", datum: null });
  });

  test("planItems() of no datums and no previous job is empty", () => {
    expect(planItems({ datums: [], known: new Set(), previous: new Map(), everyJob: false, reprocess: false })).toEqual([]);
  });
});
