import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { BatchLineError, datumLine, lineVars, parseAnswer } from "../../src/transform/batchline.ts";

describe("datumLine()", () => {
  // --- quoting ---
  test.each<[string, [string, string][], string]>([
    ["plain values stay bare", [["data", "/pfs/data/a.txt"], ["data_COMMIT", "9f"]], "id1 data=/pfs/data/a.txt data_COMMIT=9f\n"],
    ["a space is single-quoted", [["data", "/pfs/data/a b"]], "id1 data='/pfs/data/a b'\n"],
    ["a single quote is closed, escaped and reopened", [["data", "/pfs/it's"]], "id1 data='/pfs/it'\\''s'\n"],
    ["$, backquotes and globs are literal", [["k", "$HOME `x` *"]], "id1 k='$HOME `x` *'\n"],
    ["an empty value is an empty word after =", [["data", ""]], "id1 data=\n"],
    ["no variables: the id alone", [], "id1\n"],
  ])("%s", (_what, vars, line) => {
    expect(datumLine("id1", vars)).toBe(line);
  });

  test("datumLine() refuses a value with a line break (one line per datum), naming the variable", () => {
    expect(() => datumLine("id1", [["data", "/pfs/data/a\nb"]])).toThrow(BatchLineError);
    expect(() => datumLine("id1", [["data", "/pfs/data/a\rb"]])).toThrow("data holds a line break, which one datum line cannot carry (run the pipeline without datum_batching)");
  });

  test("sh's eval and Python's shlex.split() read every value back byte for byte", () => {
    const values = ["/pfs/data/a b", "it's", "$x `y` \"z\" \\\\ *?[a]", "ünï €", "a\tb", "", "=x=", "-n"];
    const line = datumLine("abc", values.map((v, i) => [`v${i}`, v]));
    const sh = spawnSync("sh", ["-c", 'read -r id vars; eval "export $vars"; printf "%s\\0" "$id" "$v0" "$v1" "$v2" "$v3" "$v4" "$v5" "$v6" "$v7"'], { input: line, encoding: "utf8" });
    expect(sh.stdout.split("\0").slice(0, -1)).toEqual(["abc", ...values]);
    const py = spawnSync("python3", ["-c", "import shlex,sys,json; w=shlex.split(sys.stdin.readline()); print(json.dumps([w[0]] + [x.split('=',1)[1] for x in w[1:]]))"], { input: line, encoding: "utf8" });
    if (py.status === 0) expect(JSON.parse(py.stdout)).toEqual(["abc", ...values]);
  });
});

describe("lineVars()", () => {
  const job = { PATH: "/bin", PFS_ROOT: "/pfs", PACH_JOB_ID: "j" };

  test("lineVars() carries what differs from the process's own environment, sorted by name", () => {
    const sent = new Set<string>();
    const full = { ...job, data: "/pfs/data/a", data_COMMIT: "c1", PACH_DATUM_ID: "d1" };
    expect(lineVars(full, job, sent)).toEqual([["PACH_DATUM_ID", "d1"], ["data", "/pfs/data/a"], ["data_COMMIT", "c1"]]);
    expect([...sent].sort()).toEqual(["PACH_DATUM_ID", "data", "data_COMMIT"]);
  });

  test("lineVars() sends a name an earlier line carried, and this datum lacks, as empty (an outer join's missing input)", () => {
    const sent = new Set<string>();
    lineVars({ ...job, a: "/pfs/a/x", b: "/pfs/b/x", PACH_DATUM_ID: "d1" }, job, sent);
    expect(lineVars({ ...job, a: "/pfs/a/y", PACH_DATUM_ID: "d2" }, job, sent)).toEqual([["PACH_DATUM_ID", "d2"], ["a", "/pfs/a/y"], ["b", ""]]);
  });
});

describe("parseAnswer()", () => {
  test.each<[string, ReturnType<typeof parseAnswer>]>([
    ["ok", { kind: "ok" }],
    ["ok  \r", { kind: "ok" }],
    ["fail", { kind: "fail", reason: "the transform answered fail" }],
    ["fail bad input: /pfs/data/x", { kind: "fail", reason: "bad input: /pfs/data/x" }],
    ["fail\tno\u0007bell", { kind: "fail", reason: "no bell" }],
    ["OK", { kind: "bad", reason: 'the transform answered "OK", not "ok" or "fail <reason>"' }],
    ["okay", { kind: "bad", reason: 'the transform answered "okay", not "ok" or "fail <reason>"' }],
    ["", { kind: "bad", reason: 'the transform answered "", not "ok" or "fail <reason>"' }],
  ])("parseAnswer(%j)", (line, want) => {
    expect(parseAnswer(line)).toEqual(want);
  });

  test("parseAnswer() keeps at most 500 characters of a reason", () => {
    const a = parseAnswer(`fail ${"x".repeat(2000)}`);
    expect(a.kind === "fail" && a.reason.length).toBe(501);
  });
});
