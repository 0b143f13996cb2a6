// A full disk, for real: the data dir on a small tmpfs the test mounts and
// fills (root only; skipped with the reason elsewhere). put file fails with
// one line and leaves nothing; a spout drops the archive that does not fit and
// goes on; a datum whose output does not fit fails with the reason in its log
// tail; once space returns everything works, fsck is clean, gc reclaims.
import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf, type CalfResult } from "../helpers/cli.ts";
import { mountSmallFs, smallFsWhyNot, type SmallFs } from "../helpers/smallfs.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

if (smallFsWhyNot) console.warn(`test/ops/diskfull.test.ts skipped: ${smallFsWhyNot}`);

const MB = 1 << 20;
let open: { fs: SmallFs; cwd: string }[] = [];
afterEach(() => {
  for (const o of open) {
    o.fs.close();
    removeDir(o.cwd);
  }
  open = [];
});

/** A folder (on the real disk) with pipelines/ and a data dir on a fresh small filesystem. */
function setup(specs: Record<string, string> = {}, files: Record<string, string> = {}) {
  const small = mountSmallFs(8 * MB);
  const cwd = tempDir();
  open.push({ fs: small, cwd });
  fs.mkdirSync(path.join(cwd, "pipelines"));
  for (const [name, text] of Object.entries({ ...specs, ...files })) fs.writeFileSync(path.join(cwd, "pipelines", name), text);
  const env = { CALF_DATA_DIR: path.join(small.dir, "data") };
  const run = (args: string[], input?: string): CalfResult => calf(args, { cwd, env, input, timeout: 60_000 });
  const ok = (args: string[], input?: string) => {
    const r = run(args, input);
    if (r.code !== 0) throw new Error(`calf ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  return { small, cwd, run, ok, dataDir: env.CALF_DATA_DIR };
}

const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
const json = (r: CalfResult) => JSON.parse(r.stdout);

describe.skipIf(smallFsWhyNot !== null)("a full disk", () => {
  test("put file on a full disk: exit 1, one line naming the put and the reason, no commit, no temp file; the same put works once space returns", () => {
    const { small, ok, run, dataDir } = setup();
    ok(["create", "repo", "r"]);
    ok(["put", "file", "r@master:/small", "-f", "-"], "fits\n");
    small.fill(64 << 10);
    const big = "x".repeat(MB);
    const r = run(["put", "file", "r@master:/big", "-f", "-"], big);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^calf: put file r@master:\/big: no space left on device \((write \S+\/tmp\/obj-\d+-[0-9a-z]+-\d+|the database could not grow: SQLITE_FULL)\)$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^hint: free space where the data dir lives/)]);
    expect(r.stderr).not.toContain("internal error");
    expect(json(ok(["list", "commit", "r", "-o", "json"])).length).toBe(1);
    expect(entries(path.join(dataDir, "tmp"))).toEqual([]);
    small.unfill();
    ok(["put", "file", "r@master:/big", "-f", "-"], big);
    expect(ok(["get", "file", "r@master:/big"]).stdout).toBe(big);
    expect(ok(["fsck"]).stdout).toContain("unreferenced: none");
  }, 60_000);

  test("a spout archive that does not fit is discarded and logged like a bad archive; the spout goes on, resumes from its marker, and the archive fits once space returns", () => {
    // Three archives on one open: 1 (small), 2 (2 MB: does not fit), 3 (small). Each carries the marker.
    const script = [
      'n=$(cat "$PFS_ROOT/offset" 2>/dev/null || echo 0)',
      'cd "$(mktemp -d -p "$PWD")"', 'exec 3>"$PFS_ROOT/out"',
      "for i in 1 2 3; do",
      "  [ $i -le $n ] && continue",
      '  if [ $i = 2 ]; then head -c 2000000 /dev/urandom > f$i; else echo $i > f$i; fi',
      "  echo $i > offset; tar -cf - f$i offset >&3",
      "done",
    ].join("\n");
    const { small, ok, run, dataDir, cwd } = setup(
      { "feed.yaml": "pipeline: {name: feed}\ntransform: {cmd: [sh, feed.sh]}\nspout: {marker: offset}\n" },
      { "feed.sh": script },
    );
    ok(["lint"]);
    small.fill(MB);
    const r = run(["run", "--once"]);
    expect({ code: r.code, internal: r.stderr.includes("internal error") }).toEqual({ code: 0, internal: false });
    expect(r.stderr).toMatch(/spout feed: discarded archive 2: calf could not (store|commit) it: no space left on device/);
    const paths = () => json(ok(["list", "file", "feed@master:/", "-o", "json"])).map((f: { path: string; size_bytes: number }) => [f.path, f.size_bytes]);
    expect(paths()).toEqual([["/f1", 2], ["/f3", 2]]);
    expect(ok(["logs", "-p", "feed"]).stdout).toMatch(/discarded archive 2: calf could not (store|commit) it: no space left on device/);
    expect(entries(path.join(dataDir, "tmp"))).toEqual([]);
    expect(run(["fsck"]).code).toBe(0);
    // Space returns: nothing partial was left; gc takes what the dropped archive stored, and a
    // big archive fits. (The spout resumed past marker 3: resending archive 2 is up to it.)
    small.unfill();
    expect(json(ok(["gc", "--grace", "0s", "-o", "json"])).referenced).toBeGreaterThan(0);
    fs.writeFileSync(path.join(cwd, "pipelines", "feed.sh"), 'cd "$(mktemp -d -p "$PWD")"; head -c 2000000 /dev/zero > f4; tar -cf "$PFS_ROOT/out" f4\n');
    ok(["run", "--once"]);
    expect(paths()).toEqual([["/f1", 2], ["/f3", 2], ["/f4", 2000000]]);
    expect(ok(["fsck"]).stdout).toContain("unreferenced: none");
  }, 120_000);

  test("a datum whose output does not fit fails with the reason in its log tail (the transform's write, or calf storing it); once space returns the job succeeds", () => {
    const spec = [
      "pipeline: {name: out}",
      "transform:",
      "  cmd: [sh, -c, 'if [ \"$(basename $in)\" = b ]; then head -c 3000000 /dev/zero > /pfs/out/b; else head -c 1500000 /dev/zero > /pfs/out/c1 && ln /pfs/out/c1 /pfs/out/c2; fi']",
      "input: {pfs: {repo: in, glob: \"/*\"}}",
      "parallelism_spec: {constant: 1}",
      "datum_tries: 1",
    ].join("\n");
    const { small, ok, run } = setup({ "out.yaml": spec });
    ok(["create", "repo", "in"]);
    ok(["put", "file", "in@master:/b", "-f", "-"], "b\n");
    ok(["put", "file", "in@master:/c", "-f", "-"], "c\n");
    // Room for c1 (1.5 MB), not for the copy calf makes of a hard-linked output, nor for b.
    small.fill(2 * MB);
    const r = run(["run", "--once"]);
    expect({ code: r.code, internal: r.stderr.includes("internal error") }).toEqual({ code: 1, internal: false });
    const job = json(ok(["list", "job", "-p", "out", "-o", "json"]))[0];
    expect(job.state).toBe("failure");
    const datums: { id: string; inputs: { path: string }[]; state: string; reason: string }[] = json(ok(["list", "datum", job.id, "-o", "json"]));
    const byPath = Object.fromEntries(datums.map((d) => [d.inputs[0]!.path, d]));
    expect(byPath["/b"]!.state).toBe("failed");
    expect(byPath["/b"]!.reason).toMatch(/exit 1[\s\S]*No space left on device/);
    expect(byPath["/c"]!.state).toBe("failed");
    expect(byPath["/c"]!.reason).toMatch(/ENOSPC: no space left on device/);
    const tail = ok(["inspect", "datum", job.id, byPath["/c"]!.id]).stdout;
    expect(tail).toMatch(/no space left on device/);
    expect(json(ok(["list", "commit", "out", "-o", "json"]))).toEqual([]);
    small.unfill();
    // Retried like any failed job: restart datum makes the pipeline due (its inputs did not change).
    ok(["restart", "datum", job.id, byPath["/b"]!.id]);
    ok(["run", "--once"]);
    const files = json(ok(["list", "file", "out@master:/", "-o", "json"])).map((f: { path: string; size_bytes: number }) => [f.path, f.size_bytes]);
    expect(files).toEqual([["/b", 3000000], ["/c1", 1500000], ["/c2", 1500000]]);
    expect(run(["fsck"]).code).toBe(0);
  }, 120_000);
});
