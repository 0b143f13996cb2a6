// Issue 14's done-when: `serve --local-slots 0` and two `calf worker`s on this
// machine (separate work dirs) over the S3 store (s3rver on loopback) process
// a few hundred datums with output byte-identical to a local run; one worker
// killed with SIGKILL mid-batch: the job still finishes, and every datum is
// recorded exactly once (one datum event each on the API's event stream).
import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf, calfBackground, useBackground } from "../helpers/cli.ts";
import { startS3, type S3Server } from "../helpers/s3.ts";
import { tempDir } from "../helpers/tmp.ts";

const N = 300;
const TOKEN = "cluster-test-token";
let s3: S3Server | null = null;
const { procs, dirs } = useBackground();
afterAll(() => s3?.stop());

// Each datum: an upper-cased copy, a line appended to one shared file (merge order matters), and a 100 KiB file for every 50th.
const SPEC = `pipeline: {name: up}
transform:
  cmd: [sh, -c, 'sleep 0.02; n=$(basename "$in"); echo "working on $n"; tr a-z A-Z < "$in" > "$PFS_ROOT/out/$n"; echo "$n $(wc -c < "$in")" > "$PFS_ROOT/out/sizes"; case $n in *00|*50) head -c 102400 /dev/zero | tr "\\\\0" "$n" > "$PFS_ROOT/out/big-$n";; esac']
input: {pfs: {repo: in, glob: "/*"}}
`;

function project(env: Record<string, string>) {
  const cwd = tempDir();
  dirs.push(cwd);
  fs.mkdirSync(path.join(cwd, "pipelines"));
  fs.writeFileSync(path.join(cwd, "pipelines", "up.yaml"), SPEC);
  const src = path.join(cwd, "src");
  fs.mkdirSync(src);
  for (let i = 0; i < N; i++) fs.writeFileSync(path.join(src, `f${String(i).padStart(3, "0")}`), `datum ${i} ${"x".repeat(i % 17)}\n`);
  const run = (args: string[]) => {
    const r = calf(args, { cwd, env, timeout: 120_000 });
    if (r.code !== 0) throw new Error(`calf ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  run(["create", "repo", "in"]);
  return { cwd, run, putAll: () => run(["put", "file", "in@master:/", "-f", "src", "-r"]), files: () => JSON.parse(run(["list", "file", "up@master:/", "-r", "-o", "json"])) };
}

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("two workers over the S3 store match a local run, and a worker killed mid-batch loses and doubles nothing", async () => {
  const local = project({});
  local.putAll();
  local.run(["run", "--once"]);
  const want = local.files();
  expect(want.filter((f: { type: string }) => f.type === "file")).toHaveLength(N + 1 + 6);

  s3 = await startS3();
  const env = { ...s3.env, CALF_STORE: `s3://${s3.bucket}/cluster`, CALF_API_TOKEN: TOKEN };
  const p = project(env);
  const serve = calfBackground(["serve", "--listen", "127.0.0.1:0", "--local-slots", "0", "--lease-ttl", "2s"], { cwd: p.cwd, env });
  procs.push(serve);
  const base = (await serve.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  const get = async (u: string) => (await fetch(`${base}${u}`)).json() as Promise<any>;

  // Every datum event of the run, from the API's stream.
  const seen = new Map<string, number>();
  const events = await fetch(`${base}/api/v1/events`);
  const reading = (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of events.body! as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk as Uint8Array, { stream: true });
      let at;
      while ((at = buf.indexOf("\n\n")) >= 0) {
        const data = buf.slice(0, at).split("\n").find((l) => l.startsWith("data: "));
        buf = buf.slice(at + 2);
        const e = data ? JSON.parse(data.slice(6)) : null;
        if (e?.type === "datum") seen.set(e.datum.id, (seen.get(e.datum.id) ?? 0) + 1);
      }
    }
  })().catch(() => {});

  const worker = (name: string) => {
    const w = calfBackground(["worker", "--join", base, "--slots", "2", "--work-dir", path.join(p.cwd, `work-${name}`), "--name", name], { cwd: p.cwd, env });
    procs.push(w);
    return w;
  };
  const w1 = worker("w1");
  const w2 = worker("w2");
  p.putAll();

  // Mid-batch: w1 holds a lease with datums not yet reported, after it reported some.
  const atKill = await until("w1 to hold a lease after reporting some datums", async () => {
    const w = ((await get("/api/v1/workers")) as any[]).find((x) => x.name === "w1");
    return w && w.datums_done > 0 && w.leases.some((l: { datums: number }) => l.datums > 0) ? w : null;
  });
  w1.proc.kill("SIGKILL");
  expect(await w1.exited).toBe("SIGKILL");

  const job = await until("the job to end", async () => {
    const [j] = await get("/api/v1/jobs?pipeline=up");
    return j && j.state !== "running" ? j : null;
  });
  expect({ state: job.state, datums: job.datums }).toEqual({ state: "success", datums: { total: N, processed: N, skipped: 0, failed: 0, recovered: 0 } });
  expect(job.workers.w1 + job.workers.w2).toBe(N);
  expect(job.workers.w1).toBeGreaterThanOrEqual(atKill.datums_done);
  expect(job.workers.w2).toBeGreaterThan(0);

  // Byte-identical: the same paths with the same hashes and sizes.
  expect(p.files()).toEqual(want);
  expect(p.run(["get", "file", "up@master:/f007"])).toBe("DATUM 7 XXXXXXX\n");

  // Every datum recorded exactly once: one event each, one row each, and each names the worker that ran it.
  const datums = JSON.parse(p.run(["list", "datum", job.id, "-o", "json"]));
  expect(datums).toHaveLength(N);
  expect(new Set(datums.map((d: { id: string }) => d.id)).size).toBe(N);
  expect(datums.every((d: { state: string; worker: string }) => d.state === "success" && (d.worker === "w1" || d.worker === "w2"))).toBe(true);
  await until("every datum event", async () => seen.size === N);
  expect([...seen.values()].filter((n) => n !== 1)).toEqual([]);
  expect(p.run(["list", "job"])).toMatch(/WORKERS\n.* w1:\d+ w2:\d+\n/);
  // A remote datum's log reached serve with its result.
  const d7 = datums.find((d: { inputs: { path: string }[] }) => d.inputs[0]!.path === "/f007");
  expect(p.run(["logs", "--job", job.id, "--datum", d7.id])).toContain("working on f007");
  expect(p.run(["inspect", "job", job.id])).toMatch(/\nworkers: +w1=\d+ w2=\d+\n/);
  expect(p.run(["inspect", "datum", job.id, d7.id])).toMatch(new RegExp(`\\nworker: +${d7.worker}\\n`));

  serve.proc.kill("SIGTERM");
  expect(await serve.exited).toBe(0);
  await reading;
  w2.proc.kill("SIGTERM");
  expect(await w2.exited).toBe(0);
}, 180_000);
