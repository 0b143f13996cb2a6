import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { CalfError } from "../../src/errors.ts";
import { cronAsPfs, planDatums, type ListingSource } from "../../src/plan/datums.ts";
import { datumHash } from "../../src/plan/identity.ts";
import type { Datum, Entry } from "../../src/plan/types.ts";
import type { CronInput, Input, PfsInput } from "../../src/spec/types.ts";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

type Files = Record<string, string>; // path -> content

/** Every file and implied dir (root included) of a commit holding `files`. */
function tree(files: Files): Entry[] {
  const entries = new Map<string, Entry>([["/", { path: "/", type: "dir", hash: "", size: 0 }]]);
  for (const [path, content] of Object.entries(files)) {
    entries.set(path, { path, type: "file", hash: sha256(content), size: content.length });
    for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
      const dir = path.slice(0, i);
      if (!entries.has(dir)) entries.set(dir, { path: dir, type: "dir", hash: "", size: 0 });
    }
  }
  const all = [...entries.values()];
  for (const d of all.filter((e) => e.type === "dir")) {
    const under = all.filter((f) => f.type === "file" && (d.path === "/" || f.path.startsWith(d.path + "/")));
    d.hash = sha256(JSON.stringify(under.map((f) => [f.path, f.hash]).sort()));
  }
  return all;
}

/** repo -> files; a repo mapped to null has no commit. */
function source(repos: Record<string, Files | null>, commit = "c1"): ListingSource {
  return (inp) => {
    const files = repos[inp.repo];
    if (files === undefined) throw new Error(`test listing: unknown repo ${inp.repo}`);
    return files === null ? null : { commit: `${inp.repo}@${commit}`, entries: tree(files) };
  };
}

const pfs = (repo: string, glob: string, over: Partial<PfsInput> = {}): Input => ({
  kind: "pfs",
  name: repo,
  repo,
  glob,
  branch: "master",
  outerJoin: false,
  emptyFiles: false,
  reference: false,
  ...over,
});
const cross = (...inputs: Input[]): Input => ({ kind: "cross", inputs });
const union = (...inputs: Input[]): Input => ({ kind: "union", inputs });
const join = (...inputs: Input[]): Input => ({ kind: "join", inputs });
const group = (...inputs: Input[]): Input => ({ kind: "group", inputs });

/** Each datum as "name:path name:path" in its canonical input order. */
const show = (ds: Datum[]) => ds.map((d) => d.inputs.map((i) => `${i.name}:${i.path}`).join(" "));

const repos: Record<string, Files | null> = {
  l: { "/a": "1", "/b": "2" },
  r: { "/x": "3", "/y": "4", "/z": "5" },
  empty: {},
  none: null,
  left: { "/l-1.txt": "L1", "/l-2.txt": "L2", "/l-3.txt": "L3" },
  right: { "/r-2.txt": "R2", "/r-3.txt": "R3", "/r-4.txt": "R4" },
  extra: { "/e-3.txt": "E3", "/e-4.txt": "E4" },
  multi: { "/m-2-a.txt": "", "/m-2-b.txt": "", "/m-9.txt": "", "/m-10.txt": "" },
  logs: { "/2026-01-01-a.log": "a", "/2026-01-01-b.log": "b", "/2026-01-02-a.log": "c" },
  notes: { "/2026-01-02.md": "n", "/2026-01-03.md": "m" },
  tree: { "/a.txt": "A", "/b.csv": "B", "/dir1/x.txt": "X", "/dir1/sub/y.txt": "Y", "/dir2/z.txt": "Z" },
  ticks: { "/2026-01-01T00:00:00Z": "t1\n", "/2026-01-01T00:01:00Z": "t2\n" },
};
const plan = (input: Input) => show(planDatums(input, source(repos), sha256));

describe("planDatums()", () => {
  // --- pfs ---
  test.each([
    ["one datum per top-level entry", pfs("tree", "/*"), ["tree:/a.txt", "tree:/b.csv", "tree:/dir1", "tree:/dir2"]],
    ["the whole repo for /", pfs("tree", "/"), ["tree:/"]],
    ["nothing for an empty commit", pfs("empty", "/"), []],
    ["nothing for an input without a commit", pfs("none", "/*"), []],
    ["nested files with **", pfs("tree", "/**.txt"), ["tree:/a.txt", "tree:/dir1/sub/y.txt", "tree:/dir1/x.txt", "tree:/dir2/z.txt"]],
  ])("planDatums() for pfs cuts %s", (_what, input, expected) => {
    expect(plan(input)).toEqual(expected);
  });

  // --- cross and union (conformance 06-cross-union) ---
  test.each([
    [
      "crosses two globs, first member outermost",
      cross(pfs("l", "/*"), pfs("r", "/*")),
      ["l:/a r:/x", "l:/a r:/y", "l:/a r:/z", "l:/b r:/x", "l:/b r:/y", "l:/b r:/z"],
    ],
    [
      "crosses in member order but lists inputs by name",
      cross(pfs("r", "/*"), pfs("l", "/*")),
      ["l:/a r:/x", "l:/b r:/x", "l:/a r:/y", "l:/b r:/y", "l:/a r:/z", "l:/b r:/z"],
    ],
    ["crosses to nothing when a member is empty", cross(pfs("l", "/*"), pfs("empty", "/*")), []],
    ["crosses to nothing when a member has no commit", cross(pfs("l", "/*"), pfs("none", "/*")), []],
    [
      "unions members in member order under a shared name",
      union(pfs("r", "/*", { name: "in" }), pfs("l", "/*", { name: "in" })),
      ["in:/x", "in:/y", "in:/z", "in:/a", "in:/b"],
    ],
    ["unions past a member without a commit", union(pfs("none", "/*"), pfs("l", "/*")), ["l:/a", "l:/b"]],
    [
      "keeps the first of datums with the same id",
      union(pfs("tree", "/*.txt", { name: "in" }), pfs("tree", "/*", { name: "in" })),
      ["in:/a.txt", "in:/b.csv", "in:/dir1", "in:/dir2"],
    ],
    ["keeps datums on the same path under different names", union(pfs("l", "/a", { name: "p" }), pfs("l", "/a", { name: "q" })), ["p:/a", "q:/a"]],
    [
      "crosses a union with a pfs",
      cross(union(pfs("l", "/a", { name: "u" }), pfs("r", "/x", { name: "u" })), pfs("tree", "/*.csv")),
      ["tree:/b.csv u:/a", "tree:/b.csv u:/x"],
    ],
  ])("planDatums() %s", (_what, input, expected) => {
    expect(plan(input)).toEqual(expected);
  });

  // --- join (conformance 07-join-group) ---
  const L = (o: Partial<PfsInput> = {}) => pfs("left", "/l-(*).txt", { joinOn: "$1", ...o });
  const R = (o: Partial<PfsInput> = {}) => pfs("right", "/r-(*).txt", { joinOn: "$1", ...o });
  test.each([
    ["joins files with equal keys", join(L(), R()), ["left:/l-2.txt right:/r-2.txt", "left:/l-3.txt right:/r-3.txt"]],
    [
      "keeps an outer member's unmatched files alone",
      join(L({ outerJoin: true }), R()),
      ["left:/l-1.txt", "left:/l-2.txt right:/r-2.txt", "left:/l-3.txt right:/r-3.txt"],
    ],
    [
      "keeps both sides' unmatched files when both are outer",
      join(L({ outerJoin: true }), R({ outerJoin: true })),
      ["left:/l-1.txt", "left:/l-2.txt right:/r-2.txt", "left:/l-3.txt right:/r-3.txt", "right:/r-4.txt"],
    ],
    [
      "with three members keeps only the outer members' files of a key some member lacks (Pachyderm 2.x)",
      join(L({ outerJoin: true }), R(), pfs("extra", "/e-(*).txt", { joinOn: "$1" })),
      ["left:/l-1.txt", "left:/l-2.txt", "extra:/e-3.txt left:/l-3.txt right:/r-3.txt"],
    ],
    ["joins nothing when a member has no commit", join(L(), pfs("none", "/(*)", { joinOn: "$1" })), []],
    [
      "crosses several files per key, ordered by key byte-wise",
      join(pfs("multi", "/m-(+([0-9]))*.txt", { joinOn: "$1", outerJoin: true }), pfs("right", "/r-(*).txt", { joinOn: "$1", outerJoin: true })),
      ["multi:/m-10.txt", "multi:/m-2-a.txt right:/r-2.txt", "multi:/m-2-b.txt right:/r-2.txt", "right:/r-3.txt", "right:/r-4.txt", "multi:/m-9.txt"],
    ],
    [
      "joins on a template with literal text",
      join(pfs("left", "/l-(*).txt", { joinOn: "k$1" }), pfs("extra", "/e-(*).txt", { joinOn: "k${1}" })),
      ["extra:/e-3.txt left:/l-3.txt"],
    ],
  ])("planDatums() %s", (_what, input, expected) => {
    expect(plan(input)).toEqual(expected);
  });

  // --- group ---
  test.each([
    [
      "groups all files sharing a key into one datum",
      group(pfs("logs", "/(????-??-??)-*.log", { groupBy: "$1" })),
      ["logs:/2026-01-01-a.log logs:/2026-01-01-b.log", "logs:/2026-01-02-a.log"],
    ],
    [
      "groups across members, one datum per key",
      group(pfs("logs", "/(????-??-??)-*.log", { groupBy: "$1" }), pfs("notes", "/(*).md", { groupBy: "$1" })),
      ["logs:/2026-01-01-a.log logs:/2026-01-01-b.log", "logs:/2026-01-02-a.log notes:/2026-01-02.md", "notes:/2026-01-03.md"],
    ],
    [
      "crosses a group with a pfs",
      cross(group(pfs("logs", "/(????)-*", { groupBy: "$1" })), pfs("l", "/*")),
      [
        "l:/a logs:/2026-01-01-a.log logs:/2026-01-01-b.log logs:/2026-01-02-a.log",
        "l:/b logs:/2026-01-01-a.log logs:/2026-01-01-b.log logs:/2026-01-02-a.log",
      ],
    ],
    ["groups nothing for an empty commit", group(pfs("empty", "/(*)", { groupBy: "$1" })), []],
    [
      "groups the files of a join's pairs, each file once",
      group(join(
        pfs("multi", "/m-(+([0-9]))*.txt", { joinOn: "$1", groupBy: "all" }),
        pfs("right", "/r-(*).txt", { joinOn: "$1", groupBy: "all" }),
      )),
      ["multi:/m-2-a.txt multi:/m-2-b.txt right:/r-2.txt"],
    ],
    [
      "groups a union's and a cron's files by key, a cron tick under the empty key",
      group(union(pfs("logs", "/(????)-*", { groupBy: "$1" })), { kind: "cron", name: "tick", spec: "@every 1m", repo: "ticks", overwrite: false }),
      ["tick:/2026-01-01T00:00:00Z tick:/2026-01-01T00:01:00Z", "logs:/2026-01-01-a.log logs:/2026-01-01-b.log logs:/2026-01-02-a.log"],
    ],
    [
      "groups files without a group_by under the empty key, as Pachyderm does",
      group(pfs("logs", "/*")),
      ["logs:/2026-01-01-a.log logs:/2026-01-01-b.log logs:/2026-01-02-a.log"],
    ],
  ])("planDatums() %s", (_what, input, expected) => {
    expect(plan(input)).toEqual(expected);
  });

  // --- cron ---
  test("planDatums() treats a cron input as pfs /* over its repo on master", () => {
    const cron: CronInput = { kind: "cron", name: "tick", spec: "@every 1m", repo: "ticks", overwrite: false };
    expect(cronAsPfs(cron)).toEqual(pfs("ticks", "/*", { name: "tick" }) as PfsInput);
    const ds = planDatums(cron, source(repos), sha256);
    expect(show(ds)).toEqual(["tick:/2026-01-01T00:00:00Z", "tick:/2026-01-01T00:01:00Z"]);
    expect(ds[0].inputs[0]).toMatchObject({ repo: "ticks", branch: "master", commit: "ticks@c1" });
  });

  // --- datum fields ---
  test("planDatums() fills each input from its spec and listing", () => {
    const [d] = planDatums(pfs("tree", "/dir1", { name: "t", branch: "dev", reference: true, emptyFiles: true }), source(repos), sha256);
    const dir = tree(repos.tree!).find((e) => e.path === "/dir1")!;
    expect(d.inputs).toEqual([
      { name: "t", repo: "tree", branch: "dev", commit: "tree@c1", path: "/dir1", type: "dir", hash: dir.hash, size: 0, reference: true, emptyFiles: true },
    ]);
    expect(d.sortKey).toEqual(["/dir1"]);
  });

  test("planDatums() sort keys follow input names, not member order", () => {
    const [d] = planDatums(cross(pfs("r", "/x", { name: "zz" }), pfs("l", "/a", { name: "aa" })), source(repos), sha256);
    expect(d.sortKey).toEqual(["/a", "/x"]);
  });

  // --- identity across jobs ---
  test("planDatums() keeps datum ids across commits and content changes, while hashes change", () => {
    const input = cross(pfs("l", "/*"), join(L(), R()));
    const before = planDatums(input, source(repos, "c1"), sha256);
    const changed = { ...repos, l: { "/a": "new", "/b": "2" }, right: { "/r-2.txt": "R2'", "/r-3.txt": "R3" } };
    const after = planDatums(input, source(changed, "c2"), sha256);
    expect(after.map((d) => d.id)).toEqual(before.map((d) => d.id));
    expect(show(after)).toEqual([
      "l:/a left:/l-2.txt right:/r-2.txt",
      "l:/a left:/l-3.txt right:/r-3.txt",
      "l:/b left:/l-2.txt right:/r-2.txt",
      "l:/b left:/l-3.txt right:/r-3.txt",
    ]);
    const sameHash = after.map((d, i) => datumHash(d, "salt", sha256) === datumHash(before[i], "salt", sha256));
    expect(sameHash).toEqual([false, false, false, true]);
  });

  test("planDatums() ids ignore reference inputs' content through datumHash", () => {
    const input = cross(pfs("l", "/a"), pfs("r", "/x", { reference: true }));
    const [before] = planDatums(input, source(repos), sha256);
    const [after] = planDatums(input, source({ ...repos, r: { "/x": "changed" } }, "c2"), sha256);
    expect(after.id).toBe(before.id);
    expect(datumHash(after, "s", sha256)).toBe(datumHash(before, "s", sha256));
  });

  // --- invalid trees ---
  test.each([
    [join(L(), union(R())), "join: every member must be a pfs input with join_on, got union"],
    [join(L(), pfs("right", "/*")), 'join: pfs input "right" has no join_on'],
  ])("planDatums() throws an invalid CalfError for a malformed tree (case %#)", (input, message) => {
    expect(() => plan(input)).toThrow(CalfError);
    expect(() => plan(input)).toThrow(message);
    expect(() => plan(input)).toThrow(expect.objectContaining({ code: "invalid" }));
  });

  // --- properties ---
  test("planDatums() result is independent of the order of listing entries", () => {
    const name = fc.constantFrom("a", "b", "a-1", "b-1", "a-2", "x.txt", "\u{1F600}", "\uFFFD");
    const files = fc.uniqueArray(
      fc.array(name, { minLength: 1, maxLength: 3 }).map((s) => "/" + s.join("/")),
      { minLength: 1, maxLength: 12 },
    );
    const inputs: Input[] = [
      pfs("p", "/*"),
      pfs("p", "/**"),
      cross(pfs("p", "/*"), pfs("q", "/*/*")),
      union(pfs("p", "/*", { name: "u" }), pfs("q", "/**", { name: "u" })),
      join(pfs("p", "/**(*)-*", { joinOn: "$1", outerJoin: true }), pfs("q", "/*(*)-*", { joinOn: "$1" })),
      group(pfs("p", "/(*)/**", { groupBy: "$1" }), pfs("q", "/(*)", { groupBy: "$1" })),
    ];
    const seeded = fc.tuple(files, files).chain(([p, q]) => {
      // A path that is also a directory of another path stays a directory.
      const asFiles = (ps: string[]) => Object.fromEntries(ps.filter((x) => !ps.some((y) => y.startsWith(x + "/"))).map((x) => [x, x]));
      const lp = tree(asFiles(p));
      const lq = tree(asFiles(q));
      return fc.tuple(fc.constant({ lp, lq }), fc.shuffledSubarray(lp, { minLength: lp.length }), fc.shuffledSubarray(lq, { minLength: lq.length }), fc.constantFrom(...inputs));
    });
    fc.assert(
      fc.property(seeded, ([{ lp, lq }, sp, sq, input]) => {
        const src = (p: Entry[], q: Entry[]): ListingSource => (inp) => ({ commit: "c", entries: inp.repo === "p" ? p : q });
        expect(planDatums(input, src(sp, sq), sha256)).toEqual(planDatums(input, src(lp, lq), sha256));
      }),
      { numRuns: 300 },
    );
  });
});
