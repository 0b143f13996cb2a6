import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { getPipeline } from "../../src/db/queries/pipelines.ts";
import { chooseSandbox, type SandboxPlan } from "../../src/transform/probe.ts";
import { syncPipelines } from "../../src/run/sync.ts";
import { loadMarker } from "../../src/spout/marker.ts";
import { oneBehind, runSpout, type SpoutOptions } from "../../src/spout/spout.ts";
import { openTestApp, quietOut, type TestApp } from "../helpers/app.ts";
import { listFiles } from "../helpers/tmp.ts";
import { fileMap } from "../helpers/repo.ts";
import { bwrapWorks } from "../helpers/run.ts";
import { parseLogLine } from "../../src/transform/logs.ts";
import type { SpoutEvent } from "../../src/observe.ts";

let t: TestApp | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

/** A TestApp with one spout spec synced: `sh <name>.sh` running `script`, or `sh` alone when it is null. */
async function spout(name: string, spoutYaml: string, script: string | null, extra = "") {
  t = await openTestApp();
  (t.app as { out: unknown }).out = quietOut();
  if (script !== null) fs.writeFileSync(path.join(t.pipelinesDir, `${name}.sh`), script);
  const cmd = script === null ? "[sh]" : `[sh, ${name}.sh]`;
  t.spec(name, `pipeline: {name: ${name}}\ntransform: {cmd: ${cmd}${extra}}\nspout: ${spoutYaml}\n`);
  await syncPipelines(t.app);
  return (await getPipeline(t.app.db, name))!;
}

const files = async (repo: string, ref = 0): Promise<Record<string, string>> => {
  const commits = await t!.app.repos.listCommits(repo, "master");
  return commits[ref] ? fileMap(t!.app.repos, commits[ref]!) : {};
};
const infos = () => (t!.app.out as ReturnType<typeof quietOut>).infos;
/** The spout's log as text: its own lines, and calf's notes as "calf: ..." lines. */
const logText = (name: string) => {
  const dir = path.join(t!.app.settings.dataDir, "logs", name, "spout");
  return fs.readdirSync(dir).sort().flatMap((f) => fs.readFileSync(path.join(dir, f), "utf8").split("\n").filter((l) => l))
    .map(parseLogLine).map((l) => (l.stream === "calf" ? `calf: ${l.text}\n` : `${l.text}\n`)).join("");
};

// Script files name the FIFO "$PFS_ROOT/out" (calf rewrites /pfs only in cmd and stdin).
const MK = 'cd "$(mktemp -d)"\n';

const modes: [string, () => Promise<SandboxPlan | null>][] = [["no sandbox", async () => null]];
if (bwrapWorks) modes.push(["bwrap", async () => chooseSandbox(t!.app.rt, { mode: "bwrap", path: process.env.PATH!, keep: [t!.dir], hide: [t!.app.settings.dataDir] })]);

describe.each(modes)("runSpout() with %s", (_mode, plan) => {
  const run = async (p: Awaited<ReturnType<typeof spout>>, opts: Partial<SpoutOptions> = {}) => runSpout(t!.app, p, { sandbox: await plan(), ...opts });

  test("runSpout() commits each archive written with tar -cf /pfs/out (in stdin), appending", async () => {
    const p = await spout("feed", "{}", null, `, stdin: ["cd $(mktemp -d)", "for i in 1 2 3; do echo tick$i > log; tar -cf /pfs/out log; done"]`);
    expect(await run(p)).toEqual({ exitCode: 0, commits: 3, rejected: 0, truncated: 0 });
    expect(await files("feed")).toEqual({ "/log": "tick1\ntick2\ntick3\n" });
    expect(await files("feed", 1)).toEqual({ "/log": "tick1\ntick2\n" });
    const commits = await t!.app.repos.listCommits("feed", "master");
    expect(commits.map((c) => c.origin)).toEqual(["spout", "spout", "spout"]);
    expect(commits[0]!.parent).toBe(commits[1]!.id);
  });

  test("runSpout() with overwrite keeps the last content per path and the files not in the archive", async () => {
    const p = await spout("feedo", "{overwrite: true}", MK + "echo a > a; tar -cf $PFS_ROOT/out a\nfor i in 1 2 3; do echo tick$i > log; tar -cf $PFS_ROOT/out log; done\n");
    expect((await run(p)).commits).toBe(4);
    expect(await files("feedo")).toEqual({ "/a": "a\n", "/log": "tick3\n" });
  });

  test("runSpout() reads many archives written on one open of the FIFO", async () => {
    const p = await spout("one", "{}", MK + 'exec 3>"$PFS_ROOT/out"\nfor i in 1 2 3; do mkdir -p d; echo $i > d/f$i; tar -cf - d/f$i >&3; done\n');
    expect((await run(p)).commits).toBe(3);
    expect(await files("one")).toEqual({ "/d/f1": "1\n", "/d/f2": "2\n", "/d/f3": "3\n" });
  });

  test("runSpout() discards hostile and cut-short archives, logs why, and commits the good ones around them", async () => {
    const p = await spout("feed", "{}", [
      "set -e", 'out=${PFS_ROOT:-/pfs}/out', MK,
      "echo good1 > a; tar -cf good1.tar a",
      "echo good2 > b; tar -cf good2.tar b",
      "mkdir -p x; echo evil > x/e; tar -cPf evil.tar --transform 's,^x/e,../../escape,' x/e",
      "ln -s /etc/passwd l; tar -cf link.tar l",
      "head -c 700 good1.tar > cut.tar",
      'cat good1.tar > "$out"', 'cat evil.tar > "$out"', 'cat link.tar > "$out"', 'cat good2.tar > "$out"', 'cat cut.tar > "$out"', "",
    ].join("\n"));
    const events: SpoutEvent[] = [];
    expect(await run(p, { observer: { spout: (e) => void events.push(e) } })).toEqual({ exitCode: 0, commits: 2, rejected: 2, truncated: 1 });
    expect(await files("feed")).toEqual({ "/a": "good1\n", "/b": "good2\n" });
    const log = logText("feed");
    expect(log).toMatch(/calf: rejected archive 2: entry "\.\.\/\.\.\/escape" at offset 0: "\.\." segments are refused/);
    expect(log).toMatch(/calf: rejected archive 3: entry "l" at offset 0 is a symbolic link/);
    expect(log).toMatch(/calf: discarded archive 5: cut short after 700 bytes: end of file before the end-of-archive marker/);
    expect(events.map((e) => [e.kind, "archive" in e ? e.archive : null])).toEqual([["committed", null], ["rejected", 2], ["rejected", 3], ["committed", null], ["discarded", 5]]);
    // Nothing was extracted anywhere: no "escape" on disk, and the scratch folder is gone.
    expect(listFiles(t!.dir).filter((f) => f.endsWith("escape"))).toEqual([]);
    expect(fs.readdirSync(path.join(t!.app.settings.dataDir, "scratch"))).toEqual([]);
  });

  test("runSpout() discards an archive whose writer closed the FIFO mid-way, and keeps reading", async () => {
    const p = await spout("feed", "{}", MK + 'echo 1 > a; tar -cf a.tar a; echo 2 > b; tar -cf b.tar b\nhead -c 1000 a.tar > "$PFS_ROOT/out"; sleep 0.3; cat b.tar > "$PFS_ROOT/out"\n');
    expect(await run(p)).toEqual({ exitCode: 0, commits: 1, rejected: 0, truncated: 1 });
    expect(await files("feed")).toEqual({ "/b": "2\n" });
  });

  test("runSpout() makes no commit for an archive of folders only, and takes files around folders", async () => {
    const p = await spout("feed", "{}", MK + "mkdir -p d/e; tar -cf $PFS_ROOT/out d\necho 1 > z; mkdir d2; echo 2 > d2/y; tar -cf $PFS_ROOT/out z d2 d\n");
    expect(await run(p)).toEqual({ exitCode: 0, commits: 1, rejected: 0, truncated: 0 });
    expect(await files("feed")).toEqual({ "/z": "1\n", "/d2/y": "2\n" });
  });

  test("runSpout() resumes from the marker: /pfs/<marker> holds the last committed one, and it is not output", async () => {
    const script = MK + [
      'n=$(cat "$PFS_ROOT/offset" 2>/dev/null || echo 0)',
      'echo "saw $n"',
      "for k in 1 2; do echo rec$n > rec$n; echo $((n+1)) > offset; tar -cf $PFS_ROOT/out rec$n offset; n=$((n+1)); done", "",
    ].join("\n");
    const p = await spout("kafka", "{marker: offset}", script);
    expect((await run(p)).commits).toBe(2);
    expect((await run(p)).commits).toBe(2);
    expect(await files("kafka")).toEqual({ "/rec0": "rec0\n", "/rec1": "rec1\n", "/rec2": "rec2\n", "/rec3": "rec3\n" });
    const m = (await loadMarker(t!.app.db, "kafka"))!;
    expect(await fileMap(t!.app.repos, { tree: m.root, sizeBytes: m.size })).toEqual({ "/offset": "4\n" });
    expect(m.commitId).toBe((await t!.app.repos.branchHead("kafka", "master"))!.id);
    expect(logText("kafka")).toMatch(/saw 0\n[^]*saw 2\n/);
  });

  test("runSpout() materialises a marker folder, and writing to it does not alter the stored marker", async () => {
    const script = MK + [
      'if [ -d "$PFS_ROOT/state" ]; then cat "$PFS_ROOT"/state/*; echo x >> "$PFS_ROOT/state/a" 2>/dev/null; fi',
      "mkdir -p state; echo A$$ > state/a; echo B > state/b; echo r > r$$; tar -cf $PFS_ROOT/out state r$$", "",
    ].join("\n");
    const p = await spout("st", "{marker: state}", script);
    await run(p);
    const first = (await loadMarker(t!.app.db, "st"))!;
    const firstA = (await fileMap(t!.app.repos, { tree: first.root, sizeBytes: first.size }))["/state/a"]!;
    await run(p);
    const log = logText("st");
    const a = firstA;
    expect(a).toMatch(/^A\d+\n$/);
    expect(log).toContain(`${a}B\n`);
    // The second run appended to its /pfs/state/a: the object behind the first marker is untouched.
    expect((await fileMap(t!.app.repos, { tree: first.root, sizeBytes: first.size }))["/state/a"]).toBe(a);
  });

  test("runSpout() gives the transform PFS_ROOT and PPS_PIPELINE_NAME but no job or datum ids", async () => {
    const p = await spout("envy", "{}", MK + 'env | grep -E "^(PFS_ROOT|PPS_PIPELINE_NAME|PACH_|GREETING)" | sort > env.txt; tar -cf "$PFS_ROOT/out" env.txt\n', ", env: {GREETING: hi}");
    await run(p);
    const env = (await files("envy"))["/env.txt"]!;
    const root = (await plan()) ? "/pfs" : expect.stringContaining(path.join(t!.app.settings.dataDir, "scratch", "spout-envy-"));
    expect(env).toMatch(/^GREETING=hi\nPFS_ROOT=\S+\nPPS_PIPELINE_NAME=envy\n$/);
    expect(env.split("\n")[1]!.slice("PFS_ROOT=".length)).toEqual(root);
  });

  test("runSpout() returns the process's exit code, and its output is the spout's log", async () => {
    const p = await spout("feed", "{}", 'echo "to stdout"; echo "to stderr" >&2; exit 3\n');
    expect(await run(p)).toEqual({ exitCode: 3, commits: 0, rejected: 0, truncated: 0 });
    const dir = path.join(t!.app.settings.dataDir, "logs", "feed", "spout");
    const names = fs.readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^spout\.\d{4}-\d\d-\d\dT[\d-]+Z\.0000\.log$/); // `calf logs` tags lines by the part before the first "."
    const lines = fs.readFileSync(path.join(dir, names[0]!), "utf8").split("\n").filter((l) => l).map(parseLogLine);
    expect(lines.map((l) => [l.stream, l.text]).sort()).toEqual([["err", "to stderr"], ["out", "to stdout"]]);
  });

  test("runSpout() stops the process on abort and keeps the archives it completed", async () => {
    const p = await spout("feed", "{}", MK + "echo 1 > a; tar -cf $PFS_ROOT/out a; echo started; while true; do sleep 1; done\n");
    const ac = new AbortController();
    const started = Date.now();
    const done = run(p, { signal: ac.signal, observer: { committed: () => ac.abort() } });
    const r = await done;
    expect(r.commits).toBe(1);
    expect(r.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

test("runSpout() reports a transform that cannot start as exit code 127, with the reason in the log", async () => {
  t = await openTestApp();
  (t.app as { out: unknown }).out = quietOut();
  t.spec("nope", "pipeline: {name: nope}\ntransform: {cmd: [no-such-command-calf]}\nspout: {}\n");
  await syncPipelines(t.app);
  const r = await runSpout(t.app, (await getPipeline(t.app.db, "nope"))!, { sandbox: null });
  expect(r).toEqual({ exitCode: 127, commits: 0, rejected: 0, truncated: 0 });
  expect(logText("nope")).toMatch(/calf: cannot start the spout: .*no-such-command-calf/);
});

describe("oneBehind()", () => {
  test("oneBehind() runs items in arrival order, one at a time; push() resolves once the item before is done", async () => {
    const log: string[] = [];
    const gates = new Map<number, () => void>();
    const q = oneBehind((n: number) => {
      log.push(`start ${n}`);
      return new Promise<void>((resolve) => gates.set(n, () => (log.push(`end ${n}`), resolve())));
    });
    await q.push(1); // nothing before it
    let second = false;
    const p2 = q.push(2).then(() => (second = true));
    await Bun.sleep(5);
    expect(second).toBe(false); // item 1 is still running
    expect(log).toEqual(["start 1"]); // and item 2 has not started beside it
    gates.get(1)!();
    await p2;
    expect(log).toEqual(["start 1", "end 1", "start 2"]);
    const drained = q.drain();
    gates.get(2)!();
    await drained;
    expect(log).toEqual(["start 1", "end 1", "start 2", "end 2"]);
  });

  test("oneBehind() reports a failed item to the next push() and to drain(), and runs nothing after it", async () => {
    const ran: number[] = [];
    const q = oneBehind(async (n: number) => {
      ran.push(n);
      if (n === 2) throw new Error("commit 2 failed");
    });
    await q.push(1);
    await q.push(2);
    await expect(q.push(3)).rejects.toThrow("commit 2 failed");
    await expect(q.drain()).rejects.toThrow("commit 2 failed");
    expect(ran).toEqual([1, 2]);
  });
});
