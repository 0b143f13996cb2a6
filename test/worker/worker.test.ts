// `calf worker` against a serve whose objects stay on its own disk (through
// serve: inline small objects, PUT/GET for big ones), with a directory datum
// and outputs over the inline limit; SIGTERM gives its lease back at once;
// and the one-line errors of a worker that cannot join.
import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf, calfBackground, sh, useBackground } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

const TOKEN = "worker-test-token";
const { procs, dirs } = useBackground();

// Each datum: its files listed (a directory datum holds several), and 200 KiB of its name (over the inline limit).
const SPEC = `pipeline: {name: up}
transform:
  cmd: [sh, -c, 'n=$(basename "$in"); find "$in" -type f | sed "s|^$PFS_ROOT||" | sort > "$PFS_ROOT/out/list-$n"; cat $(find "$in" -type f | sort) | tr a-z A-Z > "$PFS_ROOT/out/up-$n"; head -c 204800 /dev/zero | tr "\\\\0" "\${n%?}" > "$PFS_ROOT/out/big-$n"']
input: {pfs: {repo: in, glob: "/*"}}
`;

function project(env: Record<string, string> = {}, spec = SPEC) {
  const cwd = tempDir();
  dirs.push(cwd);
  fs.mkdirSync(path.join(cwd, "pipelines"));
  fs.writeFileSync(path.join(cwd, "pipelines", "up.yaml"), spec);
  const src = path.join(cwd, "src");
  for (const [p, text] of [["a1", "alpha\n"], ["b2", "beta\n"], ["dir3/x", "ex\n"], ["dir3/sub/y", "why\n"], ["e4", "x".repeat(100_000)]]) {
    fs.mkdirSync(path.dirname(path.join(src, p!)), { recursive: true });
    fs.writeFileSync(path.join(src, p!), text!);
  }
  const run = (args: string[], code = 0) => {
    const r = calf(args, { cwd, env });
    if (r.code !== code) throw new Error(`calf ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  run(["create", "repo", "in"]);
  return { cwd, run, putAll: () => run(["put", "file", "in@master:/", "-f", "src", "-r"]), files: () => JSON.parse(run(["list", "file", "up@master:/", "-r", "-o", "json"]).stdout) };
}

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function serveFor(p: ReturnType<typeof project>, env: Record<string, string>, extra: string[] = []) {
  const s = calfBackground(["serve", "--listen", "127.0.0.1:0", "--local-slots", "0", ...extra], { cwd: p.cwd, env });
  procs.push(s);
  const base = (await s.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  const get = async (u: string) => (await fetch(`${base}${u}`)).json() as Promise<any>;
  const lastJob = async () => ((await get("/api/v1/jobs?pipeline=up")) as any[])[0];
  return { serve: s, base, get, lastJob };
}

describe("calf worker through serve", () => {
  test("runs file and directory datums with big outputs through serve, the same as a local run", async () => {
    const local = project();
    local.putAll();
    local.run(["run", "--once"]);
    const env = { CALF_API_TOKEN: TOKEN };
    const p = project(env);
    const { base, lastJob } = await serveFor(p, env);
    procs.push(calfBackground(["worker", "--join", base, "--slots", "2", "--work-dir", "work", "--name", "solo"], { cwd: p.cwd, env }));
    p.putAll();
    const job = await until("the job to end", async () => {
      const j = await lastJob();
      return j && j.state !== "running" ? j : null;
    });
    expect({ state: job.state, workers: job.workers, processed: job.datums.processed }).toEqual({ state: "success", workers: { solo: 4 }, processed: 4 });
    expect(p.files()).toEqual(local.files());
    expect(p.run(["get", "file", "up@master:/list-dir3"]).stdout).toBe("/in/dir3/sub/y\n/in/dir3/x\n");
    expect(p.run(["get", "file", "up@master:/up-dir3"]).stdout).toBe("WHY\nEX\n");
    expect(p.run(["get", "file", "up@master:/big-a1"]).stdout).toBe("a".repeat(204800));
    expect(p.run(["fsck"]).code).toBe(0);
  }, 120_000);

  test("a datum_batching pipeline runs on a worker with one process per slot, the same as a local run", async () => {
    // Each datum's output names the process that made it: a process per slot serves several datums.
    const batched = `pipeline: {name: up}
datum_batching: true
transform:
  cmd: [sh, -c, 'exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"; while read -r id vars <&3; do eval "export $vars"; n=$(basename "$in"); cat $(find "$in" -type f | sort) | tr a-z A-Z > "$PFS_ROOT/out/up-$n"; echo $$ > "$PFS_ROOT/out/pid-$n"; echo ok >&4; done']
input: {pfs: {repo: in, glob: "/*"}}
`;
    const local = project({}, batched);
    local.putAll();
    local.run(["run", "--once"]);
    const env = { CALF_API_TOKEN: TOKEN };
    const p = project(env, batched);
    const { base, lastJob } = await serveFor(p, env);
    procs.push(calfBackground(["worker", "--join", base, "--slots", "1", "--work-dir", "work", "--name", "solo"], { cwd: p.cwd, env }));
    p.putAll();
    const job = await until("the job to end", async () => {
      const j = await lastJob();
      return j && j.state !== "running" ? j : null;
    });
    expect({ state: job.state, workers: job.workers, processed: job.datums.processed }).toEqual({ state: "success", workers: { solo: 4 }, processed: 4 });
    const names = (f: any[]) => f.map((x) => x.path).sort();
    expect(names(p.files())).toEqual(names(local.files()));
    expect(p.run(["get", "file", "up@master:/up-dir3"]).stdout).toBe("WHY\nEX\n");
    const pids = new Set(["a1", "b2", "dir3", "e4"].map((n) => p.run(["get", "file", `up@master:/pid-${n}`]).stdout));
    expect(pids.size).toBe(1); // one slot, one process for all four datums
  }, 120_000);

  test("inputs and outputs bigger than serve's --body-limit stream through serve (objects are not PUT file bodies)", async () => {
    const copy = `pipeline: {name: up}
transform:
  cmd: [sh, -c, 'n=$(basename "$in"); cat $(find "$in" -type f | sort) > "$PFS_ROOT/out/copy-$n"']
input: {pfs: {repo: in, glob: "/*"}}
`;
    const env = { CALF_API_TOKEN: TOKEN };
    const p = project(env, copy);
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
    fs.writeFileSync(path.join(p.cwd, "src", "big"), big);
    const { base, lastJob } = await serveFor(p, env, ["--body-limit", String(1024 * 1024)]);
    procs.push(calfBackground(["worker", "--join", base, "--slots", "1", "--work-dir", "work", "--name", "solo"], { cwd: p.cwd, env }));
    p.putAll();
    const job = await until("the job to end", async () => {
      const j = await lastJob();
      return j && j.state !== "running" ? j : null;
    });
    expect({ state: job.state, processed: job.datums.processed }).toEqual({ state: "success", processed: 5 });
    expect(sh("$CALF get file up@master:/copy-big | cmp - src/big && echo same", { cwd: p.cwd, env }).stdout).toBe("same\n");
  }, 120_000);

  test("SIGTERM gives the worker's leases back at once and exits 0; another worker finishes the job", async () => {
    const env = { CALF_API_TOKEN: TOKEN };
    const p = project(env, `pipeline: {name: up}\ntransform: {cmd: [sh, -c, 'sleep 2; cp -r "$in" "$PFS_ROOT/out/"']}\ninput: {pfs: {repo: in, glob: "/*"}}\n`);
    const { base, get, lastJob } = await serveFor(p, env);
    const w1 = calfBackground(["worker", "--join", base, "--slots", "1", "--work-dir", "w1", "--name", "w1"], { cwd: p.cwd, env });
    procs.push(w1);
    p.putAll();
    await until("w1 to hold a lease", async () => ((await get("/api/v1/workers")) as any[]).find((w) => w.name === "w1" && w.leases.length));
    // ... and to have it in hand (not only granted: a grant still on the wire when the worker stops is lost with it, and lapses).
    // (/workers shows a tag of the lease, not its id: the worker's folder for it is the one there is.)
    const logs = path.join(p.cwd, "w1", "logs");
    await until("w1 to receive its lease", async () => fs.existsSync(logs) && fs.readdirSync(logs).length > 0);
    w1.proc.kill("SIGTERM");
    expect(await w1.exited).toBe(0);
    const after = ((await get("/api/v1/workers")) as any[]).find((w) => w.name === "w1");
    expect({ leases: after.leases, done: after.datums_done }).toEqual({ leases: [], done: 0 });
    procs.push(calfBackground(["worker", "--join", base, "--slots", "2", "--work-dir", "w2", "--name", "w2"], { cwd: p.cwd, env }));
    const job = await until("the job to end", async () => {
      const j = await lastJob();
      return j && j.state !== "running" ? j : null;
    });
    expect({ state: job.state, workers: job.workers }).toEqual({ state: "success", workers: { w2: 4 } });
  }, 120_000);
});

describe("calf worker errors", () => {
  const cwd = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  test.each([
    [["worker"], {}, 2, "calf: worker needs --join URL: the address of `calf serve`\nhint: e.g. calf worker --join http://10.0.0.5:7070\n"],
    [["worker", "--join", "ftp://x:1"], {}, 2, 'calf: --join "ftp://x:1" must be http(s)://HOST:PORT with no path, query or credentials\nhint: the token goes in CALF_API_TOKEN, not the URL\n'],
    [["worker", "--join", "http://127.0.0.1:1"], {}, 2, "calf: worker needs CALF_API_TOKEN: the token `calf serve` was started with\nhint: export CALF_API_TOKEN=... (the same value as serve's)\n"],
    [["worker", "--join", "http://127.0.0.1:1", "--slots", "0"], { CALF_API_TOKEN: "t" }, 2, "calf: --slots takes 1 to 1024, got 0\nhint: e.g. --slots 4 (default: the number of CPUs)\n"],
  ])("calf %p exits 2 with one line and a hint", (args, env, code, stderr) => {
    const r = calf(args as string[], { cwd: cwd(), env: env as Record<string, string> });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: code as number, stderr: stderr as string });
  });

  test("a worker that cannot reach serve, or brings the wrong token, says so and exits 1", async () => {
    const r = calf(["worker", "--join", "http://127.0.0.1:1"], { cwd: cwd(), env: { CALF_API_TOKEN: "t" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^calf: cannot join http:\/\/127\.0\.0\.1:1: .*\nhint: is `calf serve` running there, and reachable from this machine\?\n$/);
    const p = project({ CALF_API_TOKEN: TOKEN });
    const { base } = await serveFor(p, { CALF_API_TOKEN: TOKEN });
    const wrong = calf(["worker", "--join", base], { cwd: p.cwd, env: { CALF_API_TOKEN: "not-the-token" } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^calf: cannot join http:\/\/127\.0\.0\.1:\d+: POST \/leases\/heartbeat: 401 a valid API token is required\nhint: CALF_API_TOKEN must be the token serve was started with\n$/);
  }, 60_000);
});
