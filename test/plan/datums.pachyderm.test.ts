// Pachyderm's datum iterator and join/group/union pipeline tests as planDatums() tables.
// Source: github.com/pachyderm/pachyderm at e237475e9910a2d6299d7d2c3d6fc3b9a8f28f0b:
//   src/server/worker/datum/iterator_test.go  TestIterators, TestJoinTrailingSlash
//   src/server/pachyderm_test.go              TestJoinInput, TestGroupInput, TestUnionInput,
//                                             TestPipelineEnvVarJoinOn, TestPipelineEnvVarGroupBy
// The expected datums are Pachyderm's, compared as its validateDI does: a datum is
// the multiset of the path segments of its files (computeStableKey), order ignored.
// Where the Go tests build inputs without Pachyderm's name validation (two members
// of a cross, join or group with one name), the members get distinct names here.

import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { planDatums, type ListingSource } from "../../src/plan/datums.ts";
import type { Datum, Entry } from "../../src/plan/types.ts";
import type { Input, PfsInput } from "../../src/spec/types.ts";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Every file and implied dir (root included) of a commit holding `files`. */
function listing(files: string[]): Entry[] {
  const entries = new Map<string, Entry>([["/", { path: "/", type: "dir", hash: "h:/", size: 0 }]]);
  for (const path of files) {
    entries.set(path, { path, type: "file", hash: `h:${path}`, size: 1 });
    for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
      const dir = path.slice(0, i);
      if (!entries.has(dir)) entries.set(dir, { path: dir, type: "dir", hash: `h:${dir}`, size: 0 });
    }
  }
  return [...entries.values()];
}
const source = (repos: Record<string, string[]>): ListingSource => (inp) => ({ commit: `${inp.repo}@1`, entries: listing(repos[inp.repo]!) });

const pfs = (repo: string, glob: string, over: Partial<PfsInput> = {}): PfsInput => ({
  kind: "pfs", name: repo, repo, glob, branch: "master", outerJoin: false, emptyFiles: false, reference: false, ...over,
});
const cross = (...inputs: Input[]): Input => ({ kind: "cross", inputs });
const union = (...inputs: Input[]): Input => ({ kind: "union", inputs });
const join = (...inputs: Input[]): Input => ({ kind: "join", inputs });
const group = (...inputs: Input[]): Input => ({ kind: "group", inputs });

/** Pachyderm's computeStableKey: the path segments of a datum's files, sorted and joined. */
const stableKey = (paths: string) => paths.split("/").sort().filter((s) => s !== "").join("/");
const keysOf = (ds: Datum[]) => ds.map((d) => stableKey(d.inputs.map((i) => i.path).join(""))).sort();
const expectDatums = (ds: Datum[], ...want: string[]) => expect(keysOf(ds)).toEqual(want.map(stableKey).sort());

/** Go's fmt "%4b": binary, right-aligned in four columns. */
const bin4 = (i: number) => i.toString(2).padStart(4, " ");
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("planDatums() passes Pachyderm's TestIterators (iterator_test.go)", () => {
  const data = source({ data: range(50).map((i) => `/foo${i}`) });
  const plan = (input: Input) => planDatums(input, data, sha256);
  const in0 = pfs("data", "!(**)");
  const in1 = pfs("data", "/foo?1");
  const in2 = pfs("data", "/foo*2");
  const in3 = union(in1, in2);
  const in4 = cross(in1, { ...in2, name: "data2" });
  const in6 = cross(in3, { ...in0, name: "data0" }, { ...in2, name: "data2" }, in4);

  test("planDatums() cuts no datums for !(**) (ZeroDatums)", () => {
    expectDatums(plan(in0));
  });

  test("planDatums() cuts /foo?1 and /foo*2 (Basic)", () => {
    expectDatums(plan(in1), "/foo11", "/foo21", "/foo31", "/foo41");
    expectDatums(plan(in2), "/foo12", "/foo2", "/foo22", "/foo32", "/foo42");
  });

  test("planDatums() unions both (Union)", () => {
    expectDatums(plan(in3), "/foo11", "/foo12", "/foo2", "/foo21", "/foo22", "/foo31", "/foo32", "/foo41", "/foo42");
  });

  test("planDatums() crosses both (Cross)", () => {
    expectDatums(plan(in4),
      "/foo11/foo12", "/foo11/foo2", "/foo11/foo22", "/foo11/foo32", "/foo11/foo42",
      "/foo21/foo12", "/foo21/foo2", "/foo21/foo22", "/foo21/foo32", "/foo21/foo42",
      "/foo31/foo12", "/foo31/foo2", "/foo31/foo22", "/foo31/foo32", "/foo31/foo42",
      "/foo41/foo12", "/foo41/foo2", "/foo41/foo22", "/foo41/foo32", "/foo41/foo42");
  });

  test("planDatums() cuts nothing from a cross with an empty member, nested or not (EmptyCross, NestedEmptyCross)", () => {
    expectDatums(plan(in6));
    expectDatums(plan(cross(in6, { ...in1, name: "data1" })));
  });

  test("planDatums() joins $1$2 with $2$1 (Join)", () => {
    const input = join(pfs("data", "/foo(?)(?)", { joinOn: "$1$2" }), pfs("data", "/foo(?)(?)", { name: "data2", joinOn: "$2$1" }));
    expectDatums(plan(input),
      "/foo11/foo11", "/foo12/foo21", "/foo13/foo31", "/foo14/foo41",
      "/foo21/foo12", "/foo22/foo22", "/foo23/foo32", "/foo24/foo42",
      "/foo31/foo13", "/foo32/foo23", "/foo33/foo33", "/foo34/foo43",
      "/foo41/foo14", "/foo42/foo24", "/foo43/foo34", "/foo44/foo44");
  });

  test("planDatums() keeps both sides' unmatched files of an outer join (OuterJoin)", () => {
    const input = join(
      pfs("data", "/foo1(?)", { joinOn: "$1", outerJoin: true }),
      pfs("data", "/foo(?)1", { name: "data2", joinOn: "$1", outerJoin: true }),
    );
    expectDatums(plan(input),
      "/foo10", "/foo11/foo11", "/foo12/foo21", "/foo13/foo31", "/foo14/foo41",
      "/foo15", "/foo16", "/foo17", "/foo18", "/foo19");
  });

  test("planDatums() groups one input by its first digit (GroupSingle)", () => {
    expectDatums(plan(group(pfs("data", "/foo(?)(?)", { groupBy: "$1" }))),
      "/foo10/foo11/foo12/foo13/foo14/foo15/foo16/foo17/foo18/foo19",
      "/foo20/foo21/foo22/foo23/foo24/foo25/foo26/foo27/foo28/foo29",
      "/foo30/foo31/foo32/foo33/foo34/foo35/foo36/foo37/foo38/foo39",
      "/foo40/foo41/foo42/foo43/foo44/foo45/foo46/foo47/foo48/foo49");
  });

  test("planDatums() groups two inputs by different digits into shared groups (GroupDoubles)", () => {
    const input = group(pfs("data", "/foo(?)(?)", { groupBy: "$1" }), pfs("data", "/foo(?)(?)", { name: "data2", groupBy: "$2" }));
    expectDatums(plan(input),
      "/foo10/foo20/foo30/foo40",
      "/foo10/foo11/foo12/foo13/foo14/foo15/foo16/foo17/foo18/foo19/foo11/foo21/foo31/foo41",
      "/foo20/foo21/foo22/foo23/foo24/foo25/foo26/foo27/foo28/foo29/foo12/foo22/foo32/foo42",
      "/foo30/foo31/foo32/foo33/foo34/foo35/foo36/foo37/foo38/foo39/foo13/foo23/foo33/foo43",
      "/foo40/foo41/foo42/foo43/foo44/foo45/foo46/foo47/foo48/foo49/foo14/foo24/foo34/foo44",
      "/foo15/foo25/foo35/foo45",
      "/foo16/foo26/foo36/foo46",
      "/foo17/foo27/foo37/foo47",
      "/foo18/foo28/foo38/foo48",
      "/foo19/foo29/foo39/foo49");
  });

  test("planDatums() regroups a join's pairs by each file's own group_by (GroupJoin)", () => {
    const input = group(join(
      pfs("data", "/foo(?)(?)", { joinOn: "$1$2", groupBy: "$1" }),
      pfs("data", "/foo(?)(?)", { name: "data2", joinOn: "$2$1", groupBy: "$2" }),
    ));
    expectDatums(plan(input),
      "/foo11/foo11/foo12/foo21/foo13/foo31/foo14/foo41",
      "/foo21/foo12/foo22/foo22/foo23/foo32/foo24/foo42",
      "/foo31/foo13/foo32/foo23/foo33/foo33/foo34/foo43",
      "/foo41/foo14/foo42/foo24/foo43/foo34/foo44/foo44");
  });

  test("planDatums() unions a plain input with a group (UnionGroup)", () => {
    const input = union(pfs("data", "/foo(?)(?)"), group(pfs("data", "/foo(?)(?)", { groupBy: "$2" })));
    expectDatums(plan(input),
      ...range(10).map((d) => range(4).map((t) => `/foo${t + 1}${d}`).join("")),
      ...range(40).map((i) => `/foo${i + 10}`));
  });
  // PlainS3, S3MixedCross, S3OnlyCrossUnionJoin: s3 inputs are not supported by calf (lint refuses them).
});

describe("planDatums() passes Pachyderm's TestJoinTrailingSlash (iterator_test.go)", () => {
  const files = range(10).map((j) => `/foo-${j}`);
  const src = source({ r0: files, r1: files });
  test.each(["/(*)", "/(*)/"])("planDatums() joins on $1 of %p", (glob) => {
    const ds = planDatums(join(pfs("r0", glob, { joinOn: "$1" }), pfs("r1", glob, { joinOn: "$1" })), src, sha256);
    expectDatums(ds, ...files.map((f) => f + f));
  });
});

describe("planDatums() passes Pachyderm's join, group and union pipeline tests (pachyderm_test.go)", () => {
  const two = source({
    r0: range(16).map((i) => `/file-0.${bin4(i)}`),
    r1: range(16).map((i) => `/file-1.${bin4(i)}`),
  });
  const paths = (ds: Datum[]) => ds.map((d) => d.inputs.map((i) => i.path).sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));

  test("planDatums() joins /file-?.(11*) with /file-?.(*0) (TestJoinInput)", () => {
    const ds = planDatums(join(pfs("r0", "/file-?.(11*)", { joinOn: "$1" }), pfs("r1", "/file-?.(*0)", { joinOn: "$1" })), two, sha256);
    // The transform names its output after both files: /file-0.1100file-1.1100 and /file-0.1110file-1.1110.
    expect(ds.map((d) => d.inputs.map((i) => i.path.slice(1)).join(""))).toEqual(["file-0.1100file-1.1100", "file-0.1110file-1.1110"]);
  });

  test("planDatums() joins directories on their digits (TestJoinInput, directory part)", () => {
    const src = source({ d0: ["/dir-01/foo"], d1: ["/dir-10/bar"] });
    const ds = planDatums(join(pfs("d0", "/dir-(?)(?)", { joinOn: "$2" }), pfs("d1", "/dir-(?)(?)", { joinOn: "$1" })), src, sha256);
    expect(paths(ds)).toEqual([["/dir-01", "/dir-10"]]);
  });

  test("planDatums() groups by the third digit (TestGroupInput Basic)", () => {
    const src = source({ r: range(16).map((i) => `/file.${bin4(i)}`) });
    const ds = planDatums(group(pfs("r", "/file.(?)(?)(?)(?)", { groupBy: "$3" })), src, sha256);
    expect(paths(ds)).toEqual([
      ["/file.   0", "/file.   1"],
      ["/file.  10", "/file.  11", "/file. 110", "/file. 111", "/file.1010", "/file.1011", "/file.1110", "/file.1111"],
      ["/file. 100", "/file. 101", "/file.1000", "/file.1001", "/file.1100", "/file.1101"],
    ]);
  });

  test("planDatums() groups two repos by different digits (TestGroupInput MultiInput)", () => {
    const ds = planDatums(group(pfs("r0", "/file-?.(?)(?)(?)(?)", { groupBy: "$3" }), pfs("r1", "/file-?.(?)(?)(?)(?)", { groupBy: "$2" })), two, sha256);
    expect(paths(ds)).toEqual([
      ["/file-0.   0", "/file-0.   1", "/file-1.   0", "/file-1.   1", "/file-1.  10", "/file-1.  11"],
      ["/file-0.  10", "/file-0.  11", "/file-0. 110", "/file-0. 111", "/file-0.1010", "/file-0.1011", "/file-0.1110", "/file-0.1111",
        "/file-1. 100", "/file-1. 101", "/file-1. 110", "/file-1. 111", "/file-1.1100", "/file-1.1101", "/file-1.1110", "/file-1.1111"],
      ["/file-0. 100", "/file-0. 101", "/file-0.1000", "/file-0.1001", "/file-0.1100", "/file-0.1101", "/file-1.1000", "/file-1.1001", "/file-1.1010", "/file-1.1011"],
    ]);
  });

  test("planDatums() groups the pairs of a join (TestGroupInput GroupJoinCombo)", () => {
    const input = group(join(
      pfs("r0", "/file-?.(?)(?)(?)(?)", { joinOn: "$1$2$3$4", groupBy: "$3" }),
      pfs("r1", "/file-?.(?)(?)(?)(?)", { joinOn: "$4$3$2$1", groupBy: "$2" }),
    ));
    expect(paths(planDatums(input, two, sha256))).toEqual([
      ["/file-0.1001", "/file-0.1101", "/file-1.1001", "/file-1.1011"],
      ["/file-0.1011", "/file-0.1111", "/file-1.1101", "/file-1.1111"],
    ]);
  });

  test("planDatums() groups lab results by patient (TestGroupInput Symlink)", () => {
    const src = source({ lab: [
      "/T1606331395-LIPID-PATID2-CLIA24D9871327.txt", "/T1606707579-LIPID-PATID3-CLIA24D9871327.txt",
      "/T1606707597-LIPID-PATID4-CLIA24D9871327.txt", "/T1606707557-LIPID-PATID1-CLIA24D9871327.txt",
      "/T1606707613-LIPID-PATID1-CLIA24D9871328.txt", "/T1606707635-LIPID-PATID3-CLIA24D9871328.txt",
    ] });
    expect(paths(planDatums(group(pfs("lab", "/*-PATID(*)-*.txt", { groupBy: "$1" })), src, sha256))).toEqual([
      ["/T1606331395-LIPID-PATID2-CLIA24D9871327.txt"],
      ["/T1606707557-LIPID-PATID1-CLIA24D9871327.txt", "/T1606707613-LIPID-PATID1-CLIA24D9871328.txt"],
      ["/T1606707579-LIPID-PATID3-CLIA24D9871327.txt", "/T1606707635-LIPID-PATID3-CLIA24D9871328.txt"],
      ["/T1606707597-LIPID-PATID4-CLIA24D9871327.txt"],
    ]);
  });

  // TestUnionInput: four repos of two files; the Go test counts output files and datums.
  const four = source(Object.fromEntries(range(4).map((r) => [`u${r}`, ["/file-0", "/file-1"]])));
  const u = (r: number, over: Partial<PfsInput> = {}) => pfs(`u${r}`, "/*", over);
  test.each<[string, Input, number]>([
    ["union all", union(u(0), u(1), u(2), u(3)), 8],
    ["union crosses", union(cross(u(0), u(1)), cross(u(2), u(3))), 8],
    ["cross unions", cross(union(u(0), u(1)), union(u(2), u(3))), 16],
    ["union alias", union(...range(4).map((r) => u(r, { name: "in" }))), 8],
  ])("planDatums() cuts TestUnionInput's %p into %p datums", (_what, input, n) => {
    const ds = planDatums(input, four, sha256);
    expect(ds).toHaveLength(n);
    expect(new Set(ds.map((d) => d.id)).size).toBe(n);
  });
});

describe("planDatums() sets the keys behind PACH_DATUM_<name>_JOIN_ON and _GROUP_BY (pachyderm_test.go)", () => {
  test("planDatums() keys both files of a join with $1 (TestPipelineEnvVarJoinOn)", () => {
    const src = source({ TestRepo1: ["/a"], TestRepo2: ["/a"] });
    const input = join(pfs("TestRepo1", "/(*)", { name: "repo1", joinOn: "$1" }), pfs("TestRepo2", "/(*)", { name: "repo2", joinOn: "$1" }));
    const ds = planDatums(input, src, sha256);
    expect(ds.map((d) => d.inputs.map((i) => [i.name, i.joinOn, i.groupBy]))).toEqual([[["repo1", "a", undefined], ["repo2", "a", undefined]]]);
  });

  test("planDatums() keys each group's files with $1 (TestPipelineEnvVarGroupBy)", () => {
    const src = source({ TestRepo: ["/a-1", "/a-2", "/b-1", "/b-2"] });
    const ds = planDatums(group(pfs("TestRepo", "/(*)-*", { name: "repo", groupBy: "$1" })), src, sha256);
    expect(ds.map((d) => d.inputs.map((i) => i.groupBy))).toEqual([["a", "a"], ["b", "b"]]);
  });

  test("planDatums() sets no key outside a join or group, nor an empty one", () => {
    const src = source({ r: ["/a-1"] });
    const [plain] = planDatums(pfs("r", "/(*)-*", { joinOn: "$1", groupBy: "$1" }), src, sha256);
    expect(plain!.inputs[0]).not.toHaveProperty("joinOn");
    const [empty] = planDatums(group(pfs("r", "/(*)-*", { groupBy: "$2" })), src, sha256);
    expect(empty!.inputs[0]).not.toHaveProperty("groupBy");
  });
});
