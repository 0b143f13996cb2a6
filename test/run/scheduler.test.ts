import { describe, expect, test } from "bun:test";
import { insertJob, listDatums, listJobs } from "../../src/db/queries/jobs.ts";
import { getPipeline, setPaused } from "../../src/db/queries/pipelines.ts";
import { CalfError } from "../../src/errors.ts";
import { expectRejects } from "../helpers/errors.ts";
import { putText } from "../helpers/repo.ts";
import { counts, outputOf, runAll as run, usePipelineApps, useSandboxMode, withSandboxMode } from "../helpers/run.ts";

useSandboxMode("none");

const { setup } = usePipelineApps();

/** A pipeline copying every file of `repo` (glob /*) to its output, prefixed with `tag`. */
const copy = (name: string, repo: string, tag = name) => `pipeline: {name: ${name}}
transform:
  cmd: [sh]
  stdin: ["for f in /pfs/${repo}/*; do printf '${tag}:' > /pfs/out/$(basename $f); cat $f >> /pfs/out/$(basename $f); done"]
input: {pfs: {repo: ${repo}, glob: "/*"}}
`;

describe("runOnce()", () => {
  test("runOnce() runs nothing while an input repo has no commits, then runs once per new commit", async () => {
    const t = await setup({ up: copy("up", "data") });
    expect((await run(t)).jobs).toEqual([]);
    await putText(t.app.repos, "data", "/a", "1");
    expect((await run(t)).jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
    expect((await run(t)).jobs).toEqual([]); // nothing new: not due
    await putText(t.app.repos, "data", "/b", "2");
    expect((await run(t)).jobs.map(counts)).toEqual([["success", 1, 1, 0]]);
    expect(await outputOf(t, "up")).toEqual({ "/a": "up:1", "/b": "up:2" });
  });

  test("runOnce() creates each pipeline's output repo, with no commits, at sync", async () => {
    const t = await setup({ up: copy("up", "data") });
    await run(t);
    expect(await t.app.repos.findRepo("up")).toMatchObject({ kind: "pipeline" });
    expect(await t.app.repos.listCommits("up", "master")).toEqual([]);
  });

  test("runOnce() runs pipelines in DAG order, whatever their names, in one call", async () => {
    // "aaa" reads the output of "zzz", which reads "data": zzz must run first.
    const t = await setup({ aaa: copy("aaa", "zzz"), zzz: copy("zzz", "data") });
    await putText(t.app.repos, "data", "/f", "x");
    const { jobs } = await run(t);
    expect(jobs.map((j) => [j.pipeline, j.state])).toEqual([["zzz", "success"], ["aaa", "success"]]);
    expect(await outputOf(t, "aaa")).toEqual({ "/f": "aaa:zzz:x" });
    expect(jobs[1]!.inputCommits).toEqual([{ repo: "zzz", commit: jobs[0]!.outputCommit! }]);
  });

  test("runOnce() with names runs only those pipelines (not their upstream)", async () => {
    const t = await setup({ one: copy("one", "data"), two: copy("two", "data"), down: copy("down", "one") });
    await putText(t.app.repos, "data", "/f", "x");
    expect((await run(t, { names: ["two"] })).jobs.map((j) => j.pipeline)).toEqual(["two"]);
    expect((await run(t, { names: ["down"] })).jobs).toEqual([]); // "one" has no commits yet
    expect((await run(t)).jobs.map((j) => j.pipeline)).toEqual(["one", "down"]);
  });

  test("runOnce() with an unknown pipeline name is not_found with a suggestion", async () => {
    const t = await setup({ edges: copy("edges", "data") });
    await expectRejects(run(t, { names: ["egdes"] }), { code: "not_found", message: `pipeline "egdes" does not exist`, hint: `did you mean "edges"?` });
    await expectRejects(run(t, { names: ["zzzzzz"] }), { code: "not_found", message: `pipeline "zzzzzz" does not exist`, hint: "list pipelines with: calf list pipeline" });
  });

  test("runOnce() skips a paused pipeline and its job runs after resuming", async () => {
    const t = await setup({ up: copy("up", "data") });
    await run(t); // sync creates the pipeline row
    await setPaused(t.app.db, "up", true);
    await putText(t.app.repos, "data", "/a", "1");
    expect((await run(t)).jobs).toEqual([]);
    await setPaused(t.app.db, "up", false);
    expect((await run(t)).jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
  });

  test("runOnce() with reprocess processes every datum again under a new salt", async () => {
    const t = await setup({ up: copy("up", "data") });
    await putText(t.app.repos, "data", "/a", "1");
    await putText(t.app.repos, "data", "/b", "2");
    const first = await run(t);
    const again = await run(t, { reprocess: true });
    expect(again.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
    expect(again.jobs[0]!.salt).not.toBe(first.jobs[0]!.salt);
    expect((await getPipeline(t.app.db, "up"))!.reprocessNonce).toBe(1);
    expect(await outputOf(t, "up")).toEqual({ "/a": "up:1", "/b": "up:2" });
    expect((await run(t)).jobs).toEqual([]); // the new salt is now the norm: nothing due
  });

  test("runOnce() marks a job left running by a dead runner as killed (reason: runner died)", async () => {
    const t = await setup({ up: copy("up", "data") });
    await putText(t.app.repos, "data", "/a", "1");
    await run(t);
    await t.app.db.write((tx) => insertJob(tx, {
      id: "dead0000", pipeline: "up", state: "running", started: new Date().toISOString(), inputCommits: [], fingerprint: "x", salt: "x", version: 1,
    }));
    await run(t);
    const dead = (await listJobs(t.app.db, { pipeline: "up" })).find((j) => j.id === "dead0000")!;
    expect([dead.state, dead.reason]).toEqual(["killed", "runner died"]);
    expect(dead.finished).not.toBeNull();
  });

  test("runOnce() makes a due downstream job unrunnable when its upstream fails in the same run", async () => {
    const strict = `pipeline: {name: strict}
transform: {cmd: [sh], stdin: ["grep -q boom $data && exit 3; cp $data /pfs/out/"]}
input: {pfs: {repo: data, glob: "/*"}}
datum_tries: 1
`;
    const t = await setup({ strict, down: copy("down", "strict") });
    await putText(t.app.repos, "data", "/ok", "fine");
    expect((await run(t)).jobs.map((j) => j.state)).toEqual(["success", "success"]);
    await putText(t.app.repos, "data", "/bad", "boom");
    t.spec("down", copy("down", "strict", "v2")); // a new version makes down due on its own
    const { jobs, failed } = await run(t);
    expect(failed).toBe(true);
    expect(jobs.map((j) => [j.pipeline, j.state, j.reason?.replace(/[0-9a-f]{6,}/, "ID") ?? null])).toEqual([
      ["strict", "failure", "datum ID (/bad) failed: exit 3"],
      ["down", "unrunnable", `upstream pipeline "strict" failed`],
    ]);
    expect(await outputOf(t, "down")).toEqual({ "/ok": "down:fine" });
  });

  test("runOnce() records each datum with its input paths, state and tries", async () => {
    const t = await setup({ up: copy("up", "data") });
    await putText(t.app.repos, "data", "/a", "1");
    await putText(t.app.repos, "data", "/b", "2");
    await run(t);
    await putText(t.app.repos, "data", "/b", "3", { overwrite: true });
    const { jobs } = await run(t);
    const rows = await listDatums(t.app.db, jobs[0]!.id);
    expect(rows.map((d) => [d.inputs.map((i) => i.path), d.state, d.tries])).toEqual([[["/a"], "skipped", 0], [["/b"], "success", 1]]);
  });

  test("runOnce() refuses an invalid spec folder and runs nothing", async () => {
    const t = await setup({ up: copy("up", "data"), broken: "pipeline: {name: broken}\ntransform: {cmd: [x]}\ninput: {pfs: {repo: nope, glob: \"/*\"}}\n" });
    await putText(t.app.repos, "data", "/a", "1");
    const err = await run(t).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CalfError);
    expect((err as CalfError).code).toBe("invalid");
    expect((err as CalfError).message).toContain(`repo "nope" does not exist`);
    expect(await listJobs(t.app.db)).toEqual([]);
  });

  test("runOnce() rejects an unknown CALF_SANDBOX value once a job is due", async () => {
    const t = await setup({ up: copy("up", "data") });
    await putText(t.app.repos, "data", "/a", "1");
    await withSandboxMode("docker", () =>
      expectRejects(run(t), { code: "invalid", message: `CALF_SANDBOX="docker" is not valid`, hint: "use auto, bwrap or none" }),
    );
  });
});
