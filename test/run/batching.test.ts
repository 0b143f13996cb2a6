// datum_batching through real jobs: one process per slot serves datum after
// datum, and every per-datum rule of an unbatched run still holds (fresh
// /pfs/out, outputs, logs, tries, timeouts, err_cmd, a dying process).
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { listDatums } from "../../src/db/queries/jobs.ts";
import { listLogFiles } from "../../src/transform/logfiles.ts";
import type { TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { bwrapWorks, counts, outputOf, runAll, usePipelineApps, withSandboxMode } from "../helpers/run.ts";

const { setup } = usePipelineApps();

/**
 * The README's sh loop around `body` (which may set `ans` to "fail ..."), for
 * pipeline `name` over repo `data`; `extra` ends the spec, `transform` adds
 * transform fields.
 */
function batched(body: string, extra = "", name = "p", transform = ""): string {
  const script = [
    'exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"',
    "while read -r id vars <&3; do",
    '  eval "export $vars"; n=$(basename "$data"); ans=ok',
    body,
    '  echo "$ans" >&4',
    "done",
  ].join("\n");
  return `pipeline: {name: ${name}}
transform:
  cmd: [sh, -c, ${JSON.stringify(script)}]${transform}
input: {pfs: {repo: data, glob: "/*"}}
parallelism_spec: {constant: 1}
datum_batching: true
${extra}`;
}

/** datum input path -> the lines of its attempt logs (without their times), attempts in order. */
async function logsOf(t: TestApp, job: string): Promise<Record<string, string[]>> {
  const byId = new Map((await listDatums(t.app.db, job)).map((d) => [d.id, d.inputs[0]!.path]));
  const out: Record<string, string[]> = {};
  for (const l of listLogFiles(t.app.settings.dataDir, { pipeline: "p", job })) {
    const lines = fs.readFileSync(l.file, "utf8").split("\n").filter(Boolean).map((x) => x.split(" ").slice(1).join(" "));
    (out[byId.get(l.datum)!] ??= []).push(...lines);
  }
  return out;
}

async function putAll(t: TestApp, names: string[]): Promise<void> {
  await t.app.repos.startCommit("data", "master");
  for (const n of names) await putText(t.app.repos, "data", `/${n}`, `${n}\n`);
  await t.app.repos.finishCommit("data", "master");
}

/** datum input path -> [state, tries, reason] of the pipeline's only job. */
async function datumStates(t: TestApp, job: string): Promise<Record<string, [string, number, string | null]>> {
  const out: Record<string, [string, number, string | null]> = {};
  for (const d of await listDatums(t.app.db, job)) out[d.inputs[0]!.path] = [d.state, d.tries, d.reason];
  return out;
}

const pidsOf = (out: Record<string, string>, names: string[]) => new Set(names.map((n) => out[`/${n}`]?.trim()));

describe.each(["none", ...(bwrapWorks ? ["bwrap"] : [])])("datum_batching with CALF_SANDBOX=%s", (mode) => {
  const run = (t: TestApp) => withSandboxMode(mode, () => runAll(t));

  test("one process per slot serves every datum: its line names the datum id and its file, and each gets an empty /pfs/out", async () => {
    const t = await setup({
      p: batched([
        '  left=$(ls -A "$PFS_ROOT/out" | wc -l)',
        '  echo "$$ $left $PACH_DATUM_ID ${data#"$PFS_ROOT"} $(cat "$data")" > "$PFS_ROOT/out/$n"; echo leftover > "$PFS_ROOT/out/x-$n"',
      ].join("\n")),
    });
    await putAll(t, ["a", "b", "c", "d"]);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["success", 4, 0, 0]]);
    const out = await outputOf(t, "p");
    const rows = ["a", "b", "c", "d"].map((n) => out[`/${n}`]!.trim().split(" "));
    expect(new Set(rows.map((r) => r[0])).size).toBe(1); // one process
    expect(rows.map((r) => r[1])).toEqual(["0", "0", "0", "0"]); // nothing left of the datum before
    const ids = new Map((await listDatums(t.app.db, r.jobs[0]!.id)).map((d) => [d.inputs[0]!.path, d.id]));
    expect(rows.map((r) => [r[2], r[3], r[4]])).toEqual(["a", "b", "c", "d"].map((n) => [ids.get(`/${n}`)!, `/data/${n}`, n]));
  }, 30_000);

  test("`fail <reason>` fails that datum (after datum_tries, in the same process) and no other", async () => {
    const t = await setup({ p: batched('  if [ "$n" = b ]; then ans="fail no good: $n"; fi; echo $$ > "$PFS_ROOT/out/$n"', "datum_tries: 2\n") });
    await putAll(t, ["a", "b", "c"]);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["failure", 2, 0, 1]]);
    expect(r.jobs[0]!.reason).toContain("failed: no good: b");
    const states = await datumStates(t, r.jobs[0]!.id);
    expect(states["/b"]!.slice(0, 2)).toEqual(["failed", 2]);
    expect([states["/a"]![0], states["/c"]![0]]).toEqual(["success", "success"]);
  }, 30_000);

  test("a process that dies fails only the datum in flight; the datums after it go on in a new process", async () => {
    const t = await setup({ p: batched('  echo "pid $$"; if [ "$n" = b ]; then echo dying >&2; kill -9 $$; fi; : > "$PFS_ROOT/out/$n"', "datum_tries: 1\n") });
    await putAll(t, ["a", "b", "c", "d"]);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["failure", 3, 0, 1]]);
    const states = await datumStates(t, r.jobs[0]!.id);
    expect(states["/b"]!.slice(0, 2)).toEqual(["failed", 1]);
    expect(states["/b"]![2]).toMatch(/^the batch process was killed by SIGKILL before answering: pid \d+ \| dying$/);
    expect([states["/a"]![0], states["/c"]![0], states["/d"]![0]]).toEqual(["success", "success", "success"]);
    const logs = await logsOf(t, r.jobs[0]!.id);
    const pid = (p: string) => logs[p]![0];
    expect(pid("/a")).toBe(pid("/b"));
    expect(pid("/c")).not.toBe(pid("/b"));
    expect(pid("/c")).toBe(pid("/d"));
  }, 30_000);

  test("datum_timeout ends the process (SIGTERM) and fails that datum; the rest run in a new process", async () => {
    const t = await setup({ p: batched('  if [ "$n" = b ]; then sleep 30; fi; echo $$ > "$PFS_ROOT/out/$n"', "datum_tries: 1\ndatum_timeout: 500ms\n") });
    await putAll(t, ["a", "b", "c"]);
    const t0 = performance.now();
    const r = await run(t);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r.jobs.map(counts)).toEqual([["failure", 2, 0, 1]]);
    const states = await datumStates(t, r.jobs[0]!.id);
    expect(states["/b"]![0]).toBe("failed");
    expect(states["/b"]![2]).toBe("timed out after 500 ms");
    expect([states["/a"]![0], states["/c"]![0]]).toEqual(["success", "success"]);
  }, 30_000);

  test("err_cmd runs after a datum's last failed attempt (recovered); the next datum gets a new process", async () => {
    const errCmd = `\n  err_cmd: [sh, -c, 'echo "recovering $PACH_DATUM_ID" >&2; exit 0']`;
    const t = await setup({ p: batched('  if [ "$n" = b ]; then ans="fail b is bad"; fi; echo $$ > "$PFS_ROOT/out/$n"', "datum_tries: 1\n", "p", errCmd) });
    await putAll(t, ["a", "b", "c"]);
    const r = await run(t);
    expect(r.jobs.map((j) => [j.state, j.processed, j.recovered, j.failed])).toEqual([["success", 2, 1, 0]]);
    const states = await datumStates(t, r.jobs[0]!.id);
    expect(states["/b"]).toEqual(["recovered", 1, "b is bad"]);
    const out = await outputOf(t, "p");
    expect(Object.keys(out).sort()).toEqual(["/a", "/c"]);
    expect(out["/a"]).not.toBe(out["/c"]); // err_cmd needed the slot: c ran in a new process
  }, 30_000);

  test("a failed attempt is retried by the same process with a fresh /pfs/out, and may succeed (tries = 2)", async () => {
    const t = await setup({});
    // $tried lives in the process: the retry reaches the process that failed.
    t.spec("p", batched(`  echo partial >> "$PFS_ROOT/out/$n"; if [ "$n" = b ] && [ -z "$tried" ]; then tried=1; ans="fail first try"; else echo done >> "$PFS_ROOT/out/$n"; fi`, "datum_tries: 3\n"));
    await putAll(t, ["a", "b"]);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
    expect((await datumStates(t, r.jobs[0]!.id))["/b"]!.slice(0, 2)).toEqual(["success", 2]);
    expect(await outputOf(t, "p")).toEqual({ "/a": "partial\ndone\n", "/b": "partial\ndone\n" });
  }, 30_000);

  test("each datum's output lines go to its own log, start-up lines to the first datum's", async () => {
    const t = await setup({});
    const script = [
      "echo warming up",
      'exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"',
      'while read -r id vars <&3; do eval "export $vars"; n=$(basename "$data"); echo "out $n"; echo "err $n" >&2; : > "$PFS_ROOT/out/$n"; echo ok >&4; done',
    ].join("\n");
    t.spec("p", batched("").replace(/cmd: .*/, () => `cmd: [sh, -c, ${JSON.stringify(script)}]`));
    await putAll(t, ["a", "b", "c"]);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["success", 3, 0, 0]]);
    expect(await logsOf(t, r.jobs[0]!.id)).toEqual({
      "/a": ["out warming up", "out out a", "err err a"],
      "/b": ["out out b", "err err b"],
      "/c": ["out out c", "err err c"],
    });
  }, 30_000);

  test("a transform that never reads $CALF_DATUMS fails its datums with a hint, and does not loop", async () => {
    const t = await setup({ p: batched("").replace(/cmd: .*/, () => "cmd: [sh, -c, 'echo not batch-aware']") + "datum_tries: 2\n" });
    await putAll(t, ["a", "b"]);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["failure", 0, 0, 2]]);
    const states = await datumStates(t, r.jobs[0]!.id);
    expect(states["/a"]).toEqual(["failed", 2, "the batch process exited (exit 0) without reading the datum (it must read $CALF_DATUMS): not batch-aware"]);
  }, 30_000);

  test("a process that exits after answering (one datum per process) costs no try: the next datum goes to a new one", async () => {
    const script = 'exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"; read -r id vars <&3; eval "export $vars"; echo $$ > "$PFS_ROOT/out/$(basename "$data")"; echo ok >&4';
    const t = await setup({ p: batched("").replace(/cmd: .*/, () => `cmd: [sh, -c, ${JSON.stringify(script)}]`) + "datum_tries: 1\n" });
    await putAll(t, ["a", "b", "c", "d"]);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["success", 4, 0, 0]]);
    expect(Object.values(await datumStates(t, r.jobs[0]!.id)).map((s) => s[1])).toEqual([1, 1, 1, 1]);
    expect(new Set(Object.values(await outputOf(t, "p"))).size).toBe(4);
  }, 30_000);

  test("an answer that is neither ok nor fail fails the datum and stops the process", async () => {
    const t = await setup({ p: batched('  if [ "$n" = a ]; then ans=yes; fi; echo $$ > "$PFS_ROOT/out/$n"', "datum_tries: 1\n") });
    await putAll(t, ["a", "b"]);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["failure", 1, 0, 1]]);
    expect((await datumStates(t, r.jobs[0]!.id))["/a"]).toEqual(["failed", 1, 'the transform answered "yes", not "ok" or "fail <reason>"']);
  }, 30_000);

  test("a runaway answer (no line end) fails its datum only: what the stopped process still had in the pipe never reaches the next one's answer", async () => {
    // b's process writes 256 KiB of x without a line end, more than the FIFO holds, and keeps writing until it is stopped.
    const body = `  if [ "$n" = b ]; then head -c 262144 /dev/zero | tr '\\0' x >&4; sleep 30; fi; : > "$PFS_ROOT/out/$n"`;
    const t = await setup({ p: batched(body, "datum_tries: 1\n") });
    await putAll(t, ["a", "b", "c", "d"]);
    const r = await run(t);
    const states = await datumStates(t, r.jobs[0]!.id);
    expect(Object.fromEntries(Object.entries(states).map(([k, v]) => [k, v[0]]))).toEqual({ "/a": "success", "/b": "failed", "/c": "success", "/d": "success" });
    expect(states["/b"]![2]).toContain('the transform answered "xxxx');
  }, 30_000);

  test("job_timeout stops the batch process: the job ends killed", async () => {
    const t = await setup({ p: batched('  sleep 30; : > "$PFS_ROOT/out/$n"', "job_timeout: 500ms\n") });
    await putAll(t, ["a"]);
    const t0 = performance.now();
    const r = await run(t);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r.jobs.map((j) => j.state)).toEqual(["killed"]);
  }, 30_000);
});

describe("datum_batching: the end of a batch", () => {
  // Unsandboxed, so the process can leave a mark on the host once its loop ends.
  test.each([
    ["one open of each FIFO (exec 3<)", 'exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"; while read -r id vars <&3; do eval "export $vars"; : > "$PFS_ROOT/out/${data##*/}"; echo ok >&4; done'],
    // The sleep: it comes back to open $CALF_DATUMS after calf let go of it at the end, and blocks in open().
    ["a reopen per line", 'while read -r id vars < "$CALF_DATUMS"; do eval "export $vars"; : > "$PFS_ROOT/out/${data##*/}"; echo ok > "$CALF_ANSWERS"; sleep 0.2; done'],
  ])("with %s, the process sees end of file once the job's datums are done and ends by itself (no SIGTERM)", async (_what, loop) => {
    const t = await setup({});
    const mark = path.join(t.dir, "ended");
    const script = `trap 'echo TERM > ${mark}; exit 1' TERM\n${loop}\necho clean > ${mark}`;
    t.spec("p", batched("").replace(/cmd: .*/, () => `cmd: [sh, -c, ${JSON.stringify(script)}]`));
    await putAll(t, ["a", "b", "c"]);
    const t0 = performance.now();
    const r = await withSandboxMode("none", () => runAll(t));
    expect(r.jobs.map(counts)).toEqual([["success", 3, 0, 0]]);
    expect(fs.readFileSync(mark, "utf8")).toBe("clean\n");
    expect(performance.now() - t0).toBeLessThan(1500); // well before the 2 s grace that precedes a SIGTERM
  }, 30_000);
});

describe("datum_batching from other languages", () => {
  test("transform.stdin feeds a batched sh (cmd: [sh]) as it feeds an unbatched one", async () => {
    const t = await setup({
      p: `pipeline: {name: p}
transform:
  cmd: [sh]
  stdin:
    - 'exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"'
    - 'while read -r id vars <&3; do eval "export $vars"; tr a-z A-Z < "$data" > "/pfs/out/\${data##*/}"; echo ok >&4; done'
input: {pfs: {repo: data, glob: "/*"}}
datum_batching: true
`,
    });
    await putAll(t, ["a", "b"]);
    const r = await withSandboxMode("none", () => runAll(t));
    expect(r.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
    expect(await outputOf(t, "p")).toEqual({ "/a": "A\n", "/b": "B\n" });
  }, 30_000);

  const hasPython = spawnSync("python3", ["-c", "pass"]).status === 0;
  test.skipIf(!hasPython)("the README's Python loop: shlex.split() of each line, ok or fail per datum, the process loads once", async () => {
    const t = await setup({});
    fs.writeFileSync(path.join(t.app.settings.pipelinesDir, "upper.py"), [
      "import os, shlex",
      "loaded = os.getpid()  # e.g. a model, loaded once per process",
      'with open(os.environ["CALF_DATUMS"]) as datums, open(os.environ["CALF_ANSWERS"], "w") as answers:',
      "    for line in datums:",
      "        datum_id, *assignments = shlex.split(line)",
      '        os.environ.update(a.split("=", 1) for a in assignments)',
      "        try:",
      '            src = os.environ["data"]',
      '            text = open(src).read()',
      '            if text.startswith("bad"): raise ValueError("cannot read " + os.path.basename(src))',
      '            with open(os.path.join(os.environ["PFS_ROOT"], "out", os.path.basename(src)), "w") as f:',
      '                f.write(f"{loaded} {text.upper()}")',
      '            answers.write("ok\\n")',
      "        except Exception as e:",
      '            answers.write(f"fail {e}\\n")',
      "        answers.flush()",
      "",
    ].join("\n"));
    t.spec("p", `pipeline: {name: p}
transform:
  cmd: [python3, upper.py]
input: {pfs: {repo: data, glob: "/*"}}
parallelism_spec: {constant: 1}
datum_tries: 1
datum_batching: true
`);
    await t.app.repos.startCommit("data", "master");
    for (const [n, text] of [["a", "x\n"], ["b", "bad\n"], ["c", "y\n"]]) await putText(t.app.repos, "data", `/${n}`, text!);
    await t.app.repos.finishCommit("data", "master");
    const r = await withSandboxMode("none", () => runAll(t));
    expect(r.jobs.map(counts)).toEqual([["failure", 2, 0, 1]]);
    expect(r.jobs[0]!.reason).toContain("failed: cannot read b");
    expect((await datumStates(t, r.jobs[0]!.id))["/a"]![0]).toBe("success");
  }, 30_000);
});
