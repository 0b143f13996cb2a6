import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { planDatums, type ListingSource } from "../../src/plan/datums.ts";
import type { DatumInput } from "../../src/plan/types.ts";
import { entryPath, transformEnv, type EnvContext } from "../../src/transform/env.ts";
import type { Input } from "../../src/spec/types.ts";

const input = (over: Partial<DatumInput>): DatumInput => ({
  name: "in", repo: "in", branch: "master", commit: "c0ffee", path: "/a.txt", type: "file", hash: "h", size: 1, reference: false, emptyFiles: false,
  ...over,
});
const ctx = (over: Partial<EnvContext> = {}): EnvContext => ({
  base: {}, transformEnv: {}, pfsRoot: "/pfs", inputs: [input({})], pipeline: "edges", jobId: "job1", datumId: "datum1", outputCommit: "out1",
  ...over,
});
const PACH = ["PACH_JOB_ID", "PACH_DATUM_ID", "PACH_OUTPUT_COMMIT_ID", "PPS_PIPELINE_NAME", "PFS_ROOT"];

describe("transformEnv()", () => {
  test("transformEnv() sets the Pachyderm variables", () => {
    const env = transformEnv(ctx({ pfsRoot: "/scratch/1/pfs" }));
    expect(env).toEqual({
      in: "/scratch/1/pfs/in/a.txt",
      in_COMMIT: "c0ffee",
      PACH_JOB_ID: "job1",
      PACH_DATUM_ID: "datum1",
      PACH_OUTPUT_COMMIT_ID: "out1",
      PPS_PIPELINE_NAME: "edges",
      PFS_ROOT: "/scratch/1/pfs",
    });
  });

  test.each(["CALF_API_TOKEN", "CALF_DB_URL", "CALF_DB_AUTH_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])("transformEnv() drops calf's secret %s", (secret) => {
    const env = transformEnv(ctx({ base: { [secret]: "s3cret", HOME: "/home/u" } }));
    expect(env[secret]).toBeUndefined();
    expect(Object.values(env)).not.toContain("s3cret");
    expect(env.HOME).toBe("/home/u");
  });

  test("transformEnv() passes the rest of the runner's environment through, skipping unset values", () => {
    const env = transformEnv(ctx({ base: { PATH: "/usr/bin", LANG: "C.UTF-8", CALF_DATA_DIR: "/d", GONE: undefined } }));
    expect(env).toMatchObject({ PATH: "/usr/bin", LANG: "C.UTF-8", CALF_DATA_DIR: "/d" });
    expect("GONE" in env).toBe(false);
  });

  test("transformEnv() lets transform.env override the runner's environment", () => {
    const env = transformEnv(ctx({ base: { MODE: "host", KEEP: "k" }, transformEnv: { MODE: "spec", EXTRA: "e" } }));
    expect(env).toMatchObject({ MODE: "spec", KEEP: "k", EXTRA: "e" });
  });

  test.each<[string, string, string]>([
    ["/pfs/out", "/scratch/1/pfs", "/scratch/1/pfs/out"],
    ["a:/pfs/in/bin", "/scratch/1/pfs", "a:/scratch/1/pfs/in/bin"],
    ["http://host/pfs/x", "/scratch/1/pfs", "http://host/pfs/x"],
    ["/pfs/out", "/pfs", "/pfs/out"],
  ])("transformEnv() rewrites transform.env value %p for PFS_ROOT %p as %p", (value, pfsRoot, want) => {
    expect(transformEnv(ctx({ pfsRoot, transformEnv: { OUT: value } })).OUT).toBe(want);
  });

  test("transformEnv() leaves /pfs in the runner's own environment alone", () => {
    expect(transformEnv(ctx({ pfsRoot: "/scratch/1/pfs", base: { OUT: "/pfs/out" } })).OUT).toBe("/pfs/out");
  });

  test("transformEnv() keeps the Pachyderm variables over transform.env and the runner's environment", () => {
    const clash = Object.fromEntries([...PACH, "in", "in_COMMIT"].map((k) => [k, "spoofed"]));
    const env = transformEnv(ctx({ base: clash, transformEnv: clash }));
    for (const k of [...PACH, "in", "in_COMMIT"]) expect(env[k]).not.toBe("spoofed");
  });

  // --- input variables: [inputs, expected vars] ---
  test.each<[string, DatumInput[], Record<string, string>]>([
    ["a file datum points at the file", [input({ path: "/dir/a.txt" })], { in: "/pfs/in/dir/a.txt", in_COMMIT: "c0ffee" }],
    ["a directory datum points at the directory", [input({ path: "/dir", type: "dir" })], { in: "/pfs/in/dir", in_COMMIT: "c0ffee" }],
    ["the root datum points at the input's folder", [input({ path: "/", type: "dir" })], { in: "/pfs/in", in_COMMIT: "c0ffee" }],
    [
      "a group datum with several files points at the input's folder",
      [input({ path: "/a/1.txt" }), input({ path: "/b/2.txt" })],
      { in: "/pfs/in", in_COMMIT: "c0ffee" },
    ],
    [
      "two inputs (cross) each get their own variables",
      [input({ name: "left", repo: "l", path: "/x", commit: "lc" }), input({ name: "right", repo: "r", path: "/y", commit: "rc" })],
      { left: "/pfs/left/x", left_COMMIT: "lc", right: "/pfs/right/y", right_COMMIT: "rc" },
    ],
    ["a datum without that input (outer join) sets none of its variables", [], {}],
    [
      "a join or group key becomes PACH_DATUM_<name>_JOIN_ON / _GROUP_BY",
      [input({ path: "/a-1", joinOn: "a", groupBy: "1" })],
      { in: "/pfs/in/a-1", in_COMMIT: "c0ffee", PACH_DATUM_in_JOIN_ON: "a", PACH_DATUM_in_GROUP_BY: "1" },
    ],
  ])("transformEnv(): %s", (_what, inputs, want) => {
    const env = transformEnv(ctx({ inputs }));
    const got = Object.fromEntries(Object.entries(env).filter(([k]) => !PACH.includes(k)));
    expect(got).toEqual(want);
  });
});

describe("entryPath()", () => {
  test.each<[string, string, string, string]>([
    ["/pfs", "in", "/", "/pfs/in"],
    ["/pfs", "in", "/a/b", "/pfs/in/a/b"],
    ["/s/1/pfs", "images", "/cat.png", "/s/1/pfs/images/cat.png"],
  ])("entryPath(%p, %p, %p) is %p", (root, name, p, want) => {
    expect(entryPath(root, name, p)).toBe(want);
  });
});

// Pachyderm's TestPipelineEnv, TestPipelineEnvVarAlias, TestPipelineEnvVarJoinOn and TestPipelineEnvVarGroupBy
// (github.com/pachyderm/pachyderm at e237475e9910a2d6299d7d2c3d6fc3b9a8f28f0b,
// src/server/pachyderm_test.go): their transforms echo $bar (transform.env),
// $PACH_JOB_ID, $PACH_OUTPUT_COMMIT_ID, $<repo>, $<repo>_COMMIT and $PACH_DATUM_ID,
// copy $<repo> (the datum's file) to /pfs/out, and touch
// /pfs/out/repo1-$PACH_DATUM_repo1_JOIN_ON and /pfs/out/$PACH_DATUM_repo_GROUP_BY,
// expecting the files repo1-a, repo2-a, and a and b. (Its secret is not supported.)
describe("transformEnv() of planned datums passes Pachyderm's env var tests", () => {
  const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
  const listing = (files: string[]): ListingSource => () => ({
    commit: "c1",
    entries: [{ path: "/", type: "dir", hash: "r", size: 0 }, ...files.map((path) => ({ path, type: "file" as const, hash: path, size: 1 }))],
  });
  const pfs = (repo: string, name: string, glob: string, over: object): Input => ({
    kind: "pfs", name, repo, glob, branch: "master", outerJoin: false, emptyFiles: false, reference: false, ...over,
  });
  const envs = (input: Input, files: string[]) =>
    planDatums(input, listing(files), sha256).map((d) => transformEnv(ctx({ inputs: d.inputs, datumId: d.id })));

  test("transformEnv() gives the variables TestPipelineEnv and TestPipelineEnvVarAlias read", () => {
    const input: Input = pfs("TestPipelineEnv_data", "TestPipelineEnv_data", "/*", {});
    const [env] = planDatums(input, listing(["/file"]), sha256).map((d) =>
      transformEnv(ctx({ inputs: d.inputs, datumId: d.id, transformEnv: { bar: "bar" }, jobId: "j1", outputCommit: "o1" })));
    expect(env).toMatchObject({
      bar: "bar", PACH_JOB_ID: "j1", PACH_OUTPUT_COMMIT_ID: "o1",
      TestPipelineEnv_data: "/pfs/TestPipelineEnv_data/file", TestPipelineEnv_data_COMMIT: "c1",
    });
    expect(env!.PACH_DATUM_ID).toMatch(/^[0-9a-f]{64}$/);
  });

  test("transformEnv() sets PACH_DATUM_repo1_JOIN_ON and PACH_DATUM_repo2_JOIN_ON to a (TestPipelineEnvVarJoinOn)", () => {
    const input: Input = { kind: "join", inputs: [pfs("r1", "repo1", "/(*)", { joinOn: "$1" }), pfs("r2", "repo2", "/(*)", { joinOn: "$1" })] };
    const outputs = envs(input, ["/a"]).flatMap((e) => [`repo1-${e.PACH_DATUM_repo1_JOIN_ON}`, `repo2-${e.PACH_DATUM_repo2_JOIN_ON}`]);
    expect(outputs).toEqual(["repo1-a", "repo2-a"]);
  });

  test("transformEnv() sets PACH_DATUM_repo_GROUP_BY to each group's key (TestPipelineEnvVarGroupBy)", () => {
    const input: Input = { kind: "group", inputs: [pfs("r", "repo", "/(*)-*", { groupBy: "$1" })] };
    expect(envs(input, ["/a-1", "/a-2", "/b-1", "/b-2"]).map((e) => e.PACH_DATUM_repo_GROUP_BY)).toEqual(["a", "b"]);
  });
});
