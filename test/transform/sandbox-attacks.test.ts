// Transforms as attackers (issue 8): what a hostile datum tries against the
// store, the host and the datums after it, run through real jobs. The tests
// run as whatever user runs `npm test` (root in CI), which is the point: the
// sandbox must hold even for root.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { putText } from "../helpers/repo.ts";
import { bwrapWorks, counts, outputOf, runAll, usePipelineApps, withSandboxMode } from "../helpers/run.ts";
import type { TestApp } from "../helpers/app.ts";

const { setup } = usePipelineApps();

/** Every stored object whose bytes no longer hash to its name (empty: the store is intact). */
function corruptObjects(t: TestApp): string[] {
  const root = path.join(t.app.settings.dataDir, "objects");
  const bad: string[] = [];
  for (const d of fs.readdirSync(root)) {
    for (const f of fs.readdirSync(path.join(root, d))) {
      const sum = createHash("sha256").update(fs.readFileSync(path.join(root, d, f))).digest("hex");
      if (sum !== d + f) bad.push(d + f);
    }
  }
  return bad;
}

/** A pipeline `p` over repo `data` (glob /*) running `script` under sh, one datum at a time (one slot). */
const spec = (script: string, extra = "") => `pipeline: {name: p}
transform:
  cmd: [sh, -c, ${JSON.stringify(script)}]${extra}
input: {pfs: {repo: data, glob: "/*"}}
parallelism_spec: {constant: 1}
datum_tries: 1
`;

describe.skipIf(!bwrapWorks)("the bwrap sandbox against a hostile transform", () => {
  const run = (t: TestApp) => withSandboxMode("bwrap", () => runAll(t));

  test("a transform (as root) cannot remount /pfs writable nor write its inputs, copied or bound: the store is unchanged", async () => {
    // /big is over the copy threshold: it runs in a sandbox of its own with the object bound read-only.
    const t = await setup({
      p: spec([
        'n=$(basename "$data")',
        'mount -o remount,rw,bind /pfs 2>/dev/null; echo "remount-pfs $?" >> /pfs/out/$n',
        'mount -o remount,rw,bind "$data" 2>/dev/null; echo "remount-input $?" >> /pfs/out/$n',
        'echo X 2>/dev/null >> "$data"; echo "append $?" >> /pfs/out/$n',
        'chmod 666 "$data" 2>/dev/null; echo "chmod $?" >> /pfs/out/$n',
        'unshare -Urm true 2>/dev/null; echo "userns $?" >> /pfs/out/$n',
        'grep CapEff /proc/self/status | tr -s "\\t " " " >> /pfs/out/$n',
      ].join("; ")),
    });
    await putText(t.app.repos, "data", "/small", "original\n");
    await putText(t.app.repos, "data", "/big", "b".repeat(17 << 20));
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
    const out = await outputOf(t, "p");
    for (const name of ["/small", "/big"]) {
      const lines = out[name]!.trim().split("\n");
      expect(lines.slice(0, 5).map((l) => l.split(" ")[0])).toEqual(["remount-pfs", "remount-input", "append", "chmod", "userns"]);
      for (const l of lines.slice(0, 5)) expect(l).not.toMatch(/ 0$/); // every attempt refused
      expect(lines[5]).toBe("CapEff: 0000000000000000");
    }
    expect(corruptObjects(t)).toEqual([]);
    const input = await outputOf(t, "data");
    expect(input["/small"]).toBe("original\n");
    expect(input["/big"]!.length).toBe(17 << 20);
  }, 30_000);

  test("the channel folder is read-only: symlinks planted for calf to write through are refused, host files untouched", async () => {
    const t = await setup({});
    const victim = path.join(t.dir, "victim");
    fs.writeFileSync(victim, "host file\n");
    // Each datum tries to swap the job script, its stdin and the output FIFOs for links to a host file;
    // calf writes the job script and stdin again for the next datum.
    t.spec("p", spec(
      `for f in job stdin out err; do ln -sf ${victim} /.calf/$f 2>/dev/null && echo "planted $f" >> /pfs/out/planted; done; rm -f /.calf/* 2>/dev/null; cat > /pfs/out/$(basename $data)`,
      '\n  stdin: ["from stdin"]',
    ));
    for (const f of ["/a", "/b", "/c"]) await putText(t.app.repos, "data", f, f);
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["success", 3, 0, 0]]);
    const out = await outputOf(t, "p");
    expect(out["/planted"]).toBeUndefined();
    expect([out["/a"], out["/b"], out["/c"]]).toEqual(["from stdin\n", "from stdin\n", "from stdin\n"]);
    expect(fs.readFileSync(victim, "utf8")).toBe("host file\n");
    expect(fs.lstatSync(victim).isFile()).toBe(true);
  }, 30_000);

  test("a batch process cannot swap the protocol FIFOs in /.calf, and a runaway answer fails only its own datum", async () => {
    const t = await setup({});
    const victim = path.join(t.dir, "victim");
    fs.writeFileSync(victim, "host file\n");
    const body = [
      'case $n in',
      `a) for f in datums answers; do rm -f /.calf/$f 2>/dev/null; echo "rm $f $?"; ln -sf ${victim} /.calf/$f 2>/dev/null; echo "ln $f $?"; done`,
      '   touch /.calf/new 2>/dev/null; echo "create $?"; chmod 666 /.calf/datums 2>/dev/null; echo "chmod $?";;',
      "b) head -c 1048576 /dev/zero | tr '\\0' x >&4;;", // 1 MiB and no newline: not an answer
      'd) echo "fake PACH_DATUM_ID=x data=/etc/passwd" > "$CALF_DATUMS"; [ -p /.calf/datums ] && [ -p /.calf/answers ] && echo "fifos intact";;',
      "esac",
      ': > /pfs/out/$n; echo ok >&4',
    ].join("\n");
    const script = `exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"\nwhile read -r id vars <&3; do eval "export $vars"; n=$(basename "$data")\n${body}\ndone`;
    t.spec("p", spec(script, "").replace("datum_tries: 1", "datum_tries: 1\ndatum_batching: true"));
    await t.app.repos.startCommit("data", "master");
    for (const f of ["/a", "/b", "/c", "/d"]) await putText(t.app.repos, "data", f, f);
    await t.app.repos.finishCommit("data", "master");
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["failure", 3, 0, 1]]);
    expect(r.jobs[0]!.reason).toContain('(/b) failed: the transform answered "xxxxx');
    const logs = fs.readdirSync(path.join(t.app.settings.dataDir, "logs", "p", r.jobs[0]!.id)).map((f) =>
      fs.readFileSync(path.join(t.app.settings.dataDir, "logs", "p", r.jobs[0]!.id, f), "utf8").split("\n").map((l) => l.split(" ").slice(2).join(" ")));
    const refused = logs.find((l) => l[0] === "rm datums 1")!;
    expect(refused.filter(Boolean)).toEqual(["rm datums 1", "ln datums 1", "rm answers 1", "ln answers 1", "create 1", "chmod 1"]);
    expect(logs.some((l) => l.includes("fifos intact"))).toBe(true);
    expect(fs.readFileSync(victim, "utf8")).toBe("host file\n");
    expect(fs.lstatSync(victim).isFile()).toBe(true);
  }, 30_000);

  test("datums of one slot see none of each other's leftovers in /tmp, /dev/shm, /, /dev, /pfs; SysV IPC stays off the host", async () => {
    const hostIpc = () => spawnSync("ipcs", ["-m", "-q"], { encoding: "utf8" }).stdout.split("\n").filter((l) => l.startsWith("0x")).length;
    const before = hostIpc();
    const t = await setup({
      p: spec([
        'if [ "$(basename "$data")" = a ]; then',
        "  touch /tmp/left /tmp/.hidden /dev/shm/left /dev/shm/.left 2>/dev/null; mkdir -p /tmp/d/e",
        "  touch /left /dev/left /pfs/left 2>/dev/null",
        "  ipcmk -M 4096 >/dev/null 2>&1; ipcmk -Q >/dev/null 2>&1",
        "  echo made > /pfs/out/a",
        "else",
        "  ls -A /tmp /dev/shm / /dev /pfs 2>&1 | grep -c left > /pfs/out/b",
        "fi",
        "true",
      ].join("\n")),
    });
    await putText(t.app.repos, "data", "/a", "1");
    await putText(t.app.repos, "data", "/b", "2");
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
    const out = await outputOf(t, "p");
    expect(out["/a"]).toBe("made\n");
    expect(out["/b"]).toBe("0\n");
    expect(hostIpc()).toBe(before);
  }, 30_000);

  test("calf's data dir (every repo's objects, the database) is hidden from the transform", async () => {
    const t = await setup({});
    await t.app.repos.createRepo("secret");
    await putText(t.app.repos, "secret", "/s", "not for p\n");
    t.spec("p", spec(
      'ls -A "$CALF_DIR" | wc -l > /pfs/out/n; cat "$CALF_DIR/calf.db" >/dev/null 2>&1; echo $? >> /pfs/out/n',
      `\n  env: {CALF_DIR: ${JSON.stringify(t.app.settings.dataDir)}}`,
    ));
    await putText(t.app.repos, "data", "/a", "1");
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
    expect((await outputOf(t, "p"))["/n"]).toBe("0\n1\n");
  }, 30_000);
});

describe.each(["none", ...(bwrapWorks ? ["bwrap"] : [])])("outputs with CALF_SANDBOX=%s", (mode) => {
  const run = (t: TestApp) => withSandboxMode(mode, () => runAll(t));

  test("a symlink chain in /pfs/out that leads out of it fails the datum and stores nothing it points to", async () => {
    const t = await setup({});
    const secretDir = path.join(t.dir, "host");
    fs.mkdirSync(secretDir);
    fs.writeFileSync(path.join(secretDir, "secret"), "host secret 7f3a\n");
    // l -> /pfs/out/d/secret, with d -> the host folder: every link on the way must stay inside /pfs.
    t.spec("p", spec(`cd "$PFS_ROOT/out" && ln -s /pfs/out/d/secret l && ln -s ${secretDir} d`));
    await putText(t.app.repos, "data", "/a", "1");
    const r = await run(t);
    expect(r.jobs.map(counts)).toEqual([["failure", 0, 0, 1]]);
    expect(r.jobs[0]!.reason).toContain("is a symlink to");
    // Nowhere in the data dir: not as an object, not as a temp file waiting for a flush.
    const stored = fs.readdirSync(t.app.settings.dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile()).map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"));
    expect(stored.filter((c) => c.includes("host secret 7f3a"))).toEqual([]);
  }, 30_000);
});

describe("outputs without a sandbox", () => {
  test("a host file hard-linked into /pfs/out is stored as a copy: the host file keeps its mode, and later edits do not change the output", async () => {
    const t = await setup({});
    const host = path.join(t.dir, "hostfile");
    fs.writeFileSync(host, "v1\n");
    fs.chmodSync(host, 0o644);
    t.spec("p", spec(`ln ${host} "$PFS_ROOT/out/linked"`));
    await putText(t.app.repos, "data", "/a", "1");
    const r = await withSandboxMode("none", () => runAll(t));
    expect(r.jobs.map(counts)).toEqual([["success", 1, 0, 0]]);
    expect(fs.statSync(host).mode & 0o777).toBe(0o644);
    expect(fs.statSync(host).nlink).toBe(1);
    fs.appendFileSync(host, "edited\n");
    expect((await outputOf(t, "p"))["/linked"]).toBe("v1\n");
    expect(corruptObjects(t)).toEqual([]);
  }, 30_000);
});

describe("recycled input copies without a sandbox", () => {
  test("an input a transform swapped for a hard link or a symlink to a host file is not reused: later datums' copies never write through it", async () => {
    const t = await setup({});
    const host = path.join(t.dir, "hostfile");
    fs.writeFileSync(host, "host bytes\n");
    // Datum /a swaps its input for a hard link to the host file, /b for a symlink; the datums after them get copies.
    t.spec("p", spec([
      'n=$(basename "$data")',
      `case $n in a) rm -f "$data"; ln ${host} "$data";; b) rm -f "$data"; ln -s ${host} "$data";; esac`,
      'cat "$data" > "$PFS_ROOT/out/$n"',
    ].join("; ")));
    await t.app.repos.startCommit("data", "master");
    for (const f of ["/a", "/b", "/c", "/d", "/e"]) await putText(t.app.repos, "data", f, `${f} bytes\n`);
    await t.app.repos.finishCommit("data", "master");
    const r = await withSandboxMode("none", () => runAll(t));
    expect(r.jobs.map(counts)).toEqual([["success", 5, 0, 0]]);
    expect(fs.readFileSync(host, "utf8")).toBe("host bytes\n");
    expect(fs.lstatSync(host).nlink).toBe(1);
    const out = await outputOf(t, "p");
    expect([out["/c"], out["/d"], out["/e"]]).toEqual(["/c bytes\n", "/d bytes\n", "/e bytes\n"]);
    expect(corruptObjects(t)).toEqual([]);
  }, 30_000);
});

// Under bwrap the runner kills everything in the datum's PID namespace (slotbox.test.ts shows it).
describe.each(["none"])("descendants with CALF_SANDBOX=%s", (mode) => {
  const alive = (pid: number) => {
    try {
      return !/^\d+ \(.*\) [ZX] /s.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  };

  test("a setsid'd grandchild (and a double-forked one) does not outlive its datum", async () => {
    const t = await setup({});
    const pids = path.join(t.dir, "pids");
    fs.mkdirSync(pids);
    t.spec("p", spec([
      `setsid sleep 300 & echo $! > ${pids}/$(basename $data).1`,
      `setsid sh -c 'sleep 301 & echo $! > ${pids}/'$(basename $data)'.2; wait' &`,
      "sleep 0.2; echo done > /pfs/out/$(basename $data)",
    ].join("\n")));
    for (const f of ["/a", "/b"]) await putText(t.app.repos, "data", f, f);
    const r = await withSandboxMode(mode, () => runAll(t));
    expect(r.jobs.map(counts)).toEqual([["success", 2, 0, 0]]);
    const seen = fs.readdirSync(pids).map((f) => Number(fs.readFileSync(path.join(pids, f), "utf8")));
    expect(seen.length).toBe(4);
    expect(seen.filter(alive)).toEqual([]);
  }, 30_000);
});
