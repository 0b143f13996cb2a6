import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mergeOutputs, shortId, type DatumOutputs, type MergeMode, type MergeResult } from "../../src/merge/merge.ts";

/** A datum whose id starts with `id` (padded to 64 hex), keyed and labelled by its input paths. */
function datum(id: string, sortKey: string[], files: Record<string, string>): DatumOutputs {
  return {
    id: id.padEnd(64, "0"),
    sortKey,
    label: sortKey.join(", "),
    files: Object.entries(files).map(([path, hash]) => ({ path, hash, size: hash.length })),
  };
}
const ok = (files: [string, string[]][]): MergeResult => ({
  ok: true,
  files: files.map(([path, parts]) => ({ path, parts, size: parts.join("").length })),
});
const fail = (error: string): MergeResult => ({ ok: false, error });

const d1 = datum("aaaaaa", ["/d1"], { "/1": "p1", "/2": "p2" });
const d2 = datum("bbbbbb", ["/d2"], { "/2": "q2", "/3": "q3" });
const d3 = datum("cccccc", ["/d3"], { "/1": "r1", "/3": "r3" });

describe("mergeOutputs()", () => {
  // --- append ---
  test.each<[string, DatumOutputs[], MergeResult]>([
    ["returns an empty tree for no datums", [], ok([])],
    ["keeps a path written by one datum", [d1], ok([["/1", ["p1"]], ["/2", ["p2"]]])],
    [
      "appends parts in sort-key order, not array order (conformance one-to-many)",
      [d3, d1, d2],
      ok([["/1", ["p1", "r1"]], ["/2", ["p2", "q2"]], ["/3", ["q3", "r3"]]]),
    ],
    [
      "compares sort keys element-wise",
      [datum("01", ["/a", "/z"], { "/o": "x" }), datum("02", ["/a", "/b"], { "/o": "y" })],
      ok([["/o", ["y", "x"]]]),
    ],
    [
      "sorts a sort key that is a proper prefix first",
      [datum("01", ["/a", "/b"], { "/o": "x" }), datum("02", ["/a"], { "/o": "y" })],
      ok([["/o", ["y", "x"]]]),
    ],
    [
      "compares sort keys byte-wise",
      [datum("01", ["/\u{1F600}"], { "/o": "x" }), datum("02", ["/\uFFFD"], { "/o": "y" })],
      ok([["/o", ["y", "x"]]]),
    ],
    [
      "breaks sort-key ties by id",
      [datum("02", ["/a"], { "/o": "x" }), datum("01", ["/a"], { "/o": "y" })],
      ok([["/o", ["y", "x"]]]),
    ],
    [
      "sorts output paths byte-wise",
      [datum("01", ["/a"], { "/\u{1F600}": "x", "/\uFFFD": "y", "/b/c": "z", "/b.c": "w" })],
      ok([["/b.c", ["w"]], ["/b/c", ["z"]], ["/\uFFFD", ["y"]], ["/\u{1F600}", ["x"]]]),
    ],
    [
      "allows files in the same directory from different datums",
      [datum("01", ["/a"], { "/dir/x": "x" }), datum("02", ["/b"], { "/dir/y": "y" })],
      ok([["/dir/x", ["x"]], ["/dir/y", ["y"]]]),
    ],
    [
      "fails on a file in one datum that is a directory in another",
      [datum("3fa9c2", ["/a"], { "/x": "x" }), datum("77e1b0", ["/b"], { "/x/y": "y" })],
      fail('path "/x" is a file in datum 3fa9c2000000 (/a) and a directory in datum 77e1b0000000 (/b)'),
    ],
    [
      "fails on a file that is a deeper ancestor directory elsewhere",
      [datum("77e1b0", ["/b"], { "/x/y/z": "z" }), datum("3fa9c2", ["/a"], { "/x": "x" })],
      fail('path "/x" is a file in datum 3fa9c2000000 (/a) and a directory in datum 77e1b0000000 (/b)'),
    ],
    [
      "reports the first of several conflicts and counts the rest",
      [datum("01", ["/a"], { "/x": "x", "/y": "y" }), datum("02", ["/b"], { "/x/1": "1", "/y/1": "1" })],
      fail('path "/x" is a file in datum 010000000000 (/a) and a directory in datum 020000000000 (/b) (and 1 more conflicting path)'),
    ],
    ["fails on a datum listed twice", [d1, d1], fail("datum aaaaaa000000 (/d1) is listed twice in the merge")],
    [
      "fails on a datum writing a path twice",
      [{ ...d1, files: [...d1.files, d1.files[0]] }],
      fail('datum aaaaaa000000 (/d1) wrote path "/1" twice'),
    ],
  ])("mergeOutputs(append) %s", (_what, datums, expected) => {
    expect(mergeOutputs(datums, "append")).toEqual(expected);
  });

  // --- error ---
  test.each<[string, DatumOutputs[], MergeResult]>([
    ["keeps paths written once", [d1, datum("ffffff", ["/z"], { "/9": "z" })], ok([["/1", ["p1"]], ["/2", ["p2"]], ["/9", ["z"]]])],
    [
      "fails on a path written by two datums, naming both in sort-key order",
      [datum("77e1b0", ["/b"], { "/x": "b" }), datum("3fa9c2", ["/a"], { "/x": "a" })],
      fail('path "/x" written by datums 3fa9c2000000 (/a) and 77e1b0000000 (/b)'),
    ],
    [
      "reports the byte-wise first conflicting path",
      [d3, d2, d1],
      fail('path "/1" written by datums aaaaaa000000 (/d1) and cccccc000000 (/d3) (and 2 more conflicting paths)'),
    ],
    [
      "fails on a file/directory clash too",
      [datum("3fa9c2", ["/a"], { "/x": "x" }), datum("77e1b0", ["/b"], { "/x/y": "y" })],
      fail('path "/x" is a file in datum 3fa9c2000000 (/a) and a directory in datum 77e1b0000000 (/b)'),
    ],
  ])("mergeOutputs(error) %s", (_what, datums, expected) => {
    expect(mergeOutputs(datums, "error")).toEqual(expected);
  });

  // --- properties ---
  const hex = fc.stringMatching(/^[0-9a-f]{8}$/);
  const seg = fc.constantFrom("a", "b", "a.b", "\u{1F600}", "\uFFFD");
  const path = fc.array(seg, { minLength: 1, maxLength: 3 }).map((s) => "/" + s.join("/"));
  const datums = fc.uniqueArray(
    fc.record({
      id: hex,
      sortKey: fc.array(path, { minLength: 1, maxLength: 3 }),
      files: fc.uniqueArray(fc.record({ path, hash: hex, size: fc.nat(100) }), { selector: (f) => f.path, maxLength: 4 }),
    }),
    { selector: (d) => d.id, maxLength: 6 },
  ).map((ds) => ds.map((d) => ({ ...d, label: d.sortKey[0] })));

  test.each<MergeMode>(["append", "error"])("mergeOutputs(%s) result is independent of the order of datums", (mode) => {
    fc.assert(
      fc.property(datums.chain((ds) => fc.tuple(fc.constant(ds), fc.shuffledSubarray(ds, { minLength: ds.length }))), ([ds, shuffled]) => {
        expect(mergeOutputs(shuffled, mode)).toEqual(mergeOutputs(ds, mode));
      }),
      { numRuns: 500 },
    );
  });

  test("mergeOutputs(append) concatenates parts in sort-key order", () => {
    // Oracle: element-wise Buffer.compare of UTF-8 bytes, ties by id.
    const byteOrder = (a: DatumOutputs, b: DatumOutputs) => {
      for (let i = 0; i < Math.min(a.sortKey.length, b.sortKey.length); i++) {
        const c = Buffer.compare(Buffer.from(a.sortKey[i]), Buffer.from(b.sortKey[i]));
        if (c !== 0) return c;
      }
      return a.sortKey.length - b.sortKey.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    };
    const writers = datums.map((ds) => ds.map((d) => ({ ...d, files: [{ path: "/out", hash: `part-${d.id}`, size: 1 }] })));
    fc.assert(
      fc.property(writers, (ds) => {
        const result = mergeOutputs(ds, "append");
        const expected = [...ds].sort(byteOrder).map((d) => `part-${d.id}`);
        expect(result).toEqual({ ok: true, files: ds.length ? [{ path: "/out", parts: expected, size: ds.length }] : [] });
      }),
      { numRuns: 500 },
    );
  });
});

describe("shortId()", () => {
  test("shortId() is the first 12 hex digits, as tables show ids", () => {
    expect(shortId("3fa9c2deadbeef0123")).toBe("3fa9c2deadbe");
  });
});
