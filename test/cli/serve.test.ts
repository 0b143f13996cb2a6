// calf as a service, from outside (calf from source as a subprocess): serve
// takes data while it runs and answers on HTTP; one runner per data dir while
// data commands go on; clean stops; a kill -9 redoes nothing that finished;
// many writers at once lose no commit.
import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf, calfBackground, useBackground } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

const { procs, dirs } = useBackground();

/** A folder with repo `d` and pipeline `p` (upper-cases each file; `extra` shell runs first). */
function project(extra = "") {
  const cwd = tempDir();
  dirs.push(cwd);
  fs.mkdirSync(path.join(cwd, "pipelines"));
  fs.writeFileSync(path.join(cwd, "pipelines", "p.yaml"), `pipeline: {name: p}
transform:
  cmd: [sh, -c, '${extra} tr a-z A-Z < "$d" > "$PFS_ROOT/out/$(basename "$d")"']
input: {pfs: {repo: d, glob: "/*"}}
parallelism_spec: {constant: 2}
`);
  const run = (args: string[], code = 0, input?: string) => {
    const r = calf(args, { cwd, input });
    if (r.code !== code) throw new Error(`calf ${args.join(" ")} exited ${r.code}, not ${code}: ${r.stderr}`);
    return r;
  };
  run(["create", "repo", "d"]);
  const put = (p: string, text: string) => run(["put", "file", `d@master:${p}`, "-f", "-"], 0, text);
  const json = (args: string[]) => JSON.parse(run([...args, "-o", "json"]).stdout);
  const serve = (args: string[] = []) => {
    const s = calfBackground(["serve", "--listen", "127.0.0.1:0", ...args], { cwd });
    procs.push(s);
    return s;
  };
  return { cwd, run, put, json, serve };
}

async function until<T>(what: string, f: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) [ZX] /s.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("calf serve", () => {
  test("serve runs a job for a put made by another process, answers /healthz and the jobs API, and exits 0 on SIGTERM", async () => {
    const c = project();
    c.put("/a", "one\n");
    const s = c.serve();
    const base = (await s.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
    await until("the first job", () => c.json(["list", "commit", "p"]).length === 1);
    c.put("/b", "two\n"); // a data command while the runner runs
    await until("the job of the put", () => c.json(["list", "commit", "p"]).length === 2);
    expect(c.run(["get", "file", "p@master:/b"]).stdout).toBe("TWO\n");
    const jobs = await (await fetch(`${base}/api/v1/jobs?pipeline=p`)).json();
    expect(jobs.length).toBe(2);
    expect(jobs[0].state).toBe("success");
    s.proc.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  }, 60_000);

  test("a second runner exits 75 naming the first, while data commands succeed", async () => {
    const c = project();
    const s = c.serve();
    await s.waitFor(/listening on/);
    const second = calf(["run", "--once"], { cwd: c.cwd });
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(new RegExp(`another calf runner \\(pid ${s.proc.pid}\\) is running`));
    expect(calf(["serve", "--listen", "127.0.0.1:0"], { cwd: c.cwd }).code).toBe(75);
    c.put("/x", "x\n");
    c.run(["create", "repo", "other"]);
    c.run(["stop", "pipeline", "p"]);
    c.run(["start", "pipeline", "p"]);
    c.run(["delete", "file", "d@master:/x"]);
    expect(c.json(["list", "commit", "d"]).length).toBe(2);
  }, 60_000);

  test("SIGTERM during a job stops its transforms, leaves no process, records it killed with none failed, and exits 0", async () => {
    const c = project('echo $$ >> "$PIDS"; sleep 30;');
    for (let i = 0; i < 6; i++) c.put(`/f${i}`, `${i}\n`);
    const pids = path.join(c.cwd, "pids");
    const s = calfBackground(["serve", "--listen", "127.0.0.1:0"], { cwd: c.cwd, env: { PIDS: pids } });
    procs.push(s);
    await until("two transforms running", () => fs.existsSync(pids) && fs.readFileSync(pids, "utf8").trim().split("\n").length >= 2);
    s.proc.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    const started = fs.readFileSync(pids, "utf8").trim().split("\n").map(Number);
    expect(started.filter(alive)).toEqual([]);
    const [job] = c.json(["list", "job", "-p", "p"]);
    expect(job.state).toBe("killed");
    expect(job.reason).toBe("stopped by SIGTERM");
    expect(job.datums.failed).toBe(0);
    expect(c.json(["list", "datum", job.id]).map((d: { state: string }) => d.state)).toEqual([]);
    expect(fs.readdirSync(path.join(c.cwd, ".calf", "scratch"))).toEqual([]);
  }, 60_000);

  test("run --once interrupted by SIGINT exits 130 and records the job killed", async () => {
    const c = project("sleep 30;");
    c.put("/a", "a\n");
    const r = calfBackground(["run", "--once"], { cwd: c.cwd });
    procs.push(r);
    await r.waitFor(/started: 1 datum/);
    r.proc.kill("SIGINT");
    expect(await r.exited).toBe(130);
    expect(c.json(["list", "job"])[0]).toMatchObject({ state: "killed", reason: "stopped by SIGINT" });
  }, 60_000);

  test("kill -9 of a runner 150 ms after datums finished redoes none of them", async () => {
    // Each datum marks itself done as its last step; /slow then sleeps, holding the job open, while SLOW exists.
    const c = project('case $(basename "$d") in slow) touch "$MARKS/slow"; [ -e "$SLOW" ] && sleep 30;; esac;');
    fs.writeFileSync(path.join(c.cwd, "pipelines", "p.yaml"), fs.readFileSync(path.join(c.cwd, "pipelines", "p.yaml"), "utf8")
      .replace(`> "$PFS_ROOT/out/$(basename "$d")"'`, `> "$PFS_ROOT/out/$(basename "$d")"; touch "$MARKS/$(basename "$d")"'`));
    for (let i = 0; i < 4; i++) c.put(`/f${i}`, `${i}\n`);
    c.put("/slow", "s\n");
    const marks = path.join(c.cwd, "marks");
    const slow = path.join(c.cwd, "slow-flag");
    fs.mkdirSync(marks);
    fs.writeFileSync(slow, "");
    const env = { MARKS: marks, SLOW: slow };
    const s = calfBackground(["serve", "--listen", "127.0.0.1:0"], { cwd: c.cwd, env });
    procs.push(s);
    await until("every datum done or started", () => fs.readdirSync(marks).length === 5);
    await new Promise((r) => setTimeout(r, 150));
    s.proc.kill("SIGKILL");
    await s.exited;
    fs.rmSync(slow);
    const rerun = calf(["run", "--once"], { cwd: c.cwd, env });
    expect(rerun.code).toBe(0);
    const jobs = c.json(["list", "job", "-p", "p"]);
    expect(jobs.map((j: { state: string }) => j.state)).toEqual(["success", "killed"]);
    expect(jobs[0].datums).toMatchObject({ processed: 1, skipped: 4 });
  }, 60_000);
});

describe("calf serve under concurrent writers", () => {
  test("4 writers (put, delete, start/finish commit) against a serving runner lose no commit, never see 'database is locked', and the output follows", async () => {
    const c = project();
    const s = c.serve();
    await s.waitFor(/listening on/);
    const N = 12;
    const writer = (k: number) => `
      set -u
      for i in $(seq 1 ${N}); do
        echo "w${k} $i" | $CALF put file d@master:/w${k}-f$i -f - 2>>err || echo "put failed $i" >> err
        if [ $((i % 4)) = 0 ]; then $CALF delete file d@master:/w${k}-f$((i - 1)) 2>>err || echo "delete failed $i" >> err; fi
        if [ $((i % 5)) = 0 ]; then
          $CALF start commit d@side${k} >/dev/null 2>>err && echo "a$i" | $CALF put file d@side${k}:/g$i -f - 2>>err && $CALF finish commit d@side${k} 2>>err || echo "group failed $i" >> err
        fi
      done`;
    const procs = [0, 1, 2, 3].map((k) => {
      const dir = path.join(c.cwd, `writer${k}`);
      fs.mkdirSync(dir);
      return Bun.spawn(["bash", "-c", `cd ${dir} && ${writer(k)}`], {
        env: { PATH: process.env.PATH!, HOME: process.env.HOME!, CALF: `${process.execPath} ${path.join(import.meta.dir, "../../src/main.ts")} --data-dir ${c.cwd}/.calf --pipelines ${c.cwd}/pipelines`, CALF_SANDBOX: "none" },
        stdout: "pipe", stderr: "pipe",
      });
    });
    await Promise.all(procs.map((p) => p.exited));
    const errs = [0, 1, 2, 3].map((k) => (fs.existsSync(path.join(c.cwd, `writer${k}`, "err")) ? fs.readFileSync(path.join(c.cwd, `writer${k}`, "err"), "utf8") : ""));
    const noise = errs.join("").split("\n").filter((l) => l && !/^(committed|deleted|finished|started|created branch|added to open commit|branch d@side\d does not exist: finish commit creates it)/.test(l));
    expect(noise).toEqual([]);
    // Every write is in master's head: each writer's files, minus the ones it deleted.
    const expected: Record<string, string> = {};
    for (let k = 0; k < 4; k++) {
      for (let i = 1; i <= N; i++) if (!(i % 4 === 3 && i + 1 <= N)) expected[`/w${k}-f${i}`] = `w${k} ${i}\n`;
    }
    const files = c.json(["list", "file", "d@master:/", "-r"]).filter((f: { type: string }) => f.type === "file").map((f: { path: string }) => f.path).sort();
    expect(files).toEqual(Object.keys(expected).sort());
    for (let k = 0; k < 4; k++) expect(c.json(["list", "file", `d@side${k}:/`]).length).toBe(Math.floor(N / 5));
    // The runner catches up with the last commit and its output is the upper-cased input.
    await until("the output of the last commit", () => {
      const r = calf(["list", "file", "p@master:/", "-r", "-o", "json"], { cwd: c.cwd });
      if (r.code !== 0) return false;
      const out = JSON.parse(r.stdout).filter((f: { type: string }) => f.type === "file").map((f: { path: string }) => f.path).sort();
      return JSON.stringify(out) === JSON.stringify(Object.keys(expected).sort());
    }, 60_000);
    const got = c.run(["get", "file", "p@master:/w2-f5"]);
    expect({ out: got.stdout, err: got.stderr }).toEqual({ out: "W2 5\n", err: "" });
    expect(s.output()).not.toMatch(/database is locked|internal error/);
  }, 180_000);
});
