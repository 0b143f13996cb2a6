// `calf serve` as a service is measured from outside, as its users see it:
// - put → job start: a `put file` (a separate process, as from a shell or
//   cron) or an API PUT, until the event stream says the downstream job is
//   running. The runner learns of the commit through <data-dir>/wake.
// - API latency under load: autocannon at a fixed 500 requests/s on
//   GET /api/v1/jobs while a 10k-datum job runs, and the job's datum rate
//   with and without that load.
// @ts-expect-error: autocannon ships no type declarations
import autocannon from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { log, workDir, type Context } from "./context.ts";
import { freshDir, makeInputs } from "./files.ts";
import { run } from "./measure.ts";

const TOKEN = "bench-token";

interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startServe(ctx: Context, dir: string): Promise<Served> {
  const child = spawn(ctx.calf, ["--data-dir", path.join(dir, "data"), "--pipelines", path.join(dir, "pipelines"), "serve", "--listen", "127.0.0.1:0", "--quiet"], {
    env: { ...process.env, CALF_API_TOKEN: TOKEN }, stdio: ["ignore", "ignore", "pipe"], detached: true,
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("calf serve did not say where it listens within 20 s")), 20_000);
    createInterface({ input: child.stderr! }).on("line", (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`calf serve exited (${code}) before listening`)));
  });
  return {
    url, child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      process.kill(-child.pid!, "SIGTERM");
    }),
  };
}

/** The event stream, as parsed JSON events, each with the time it arrived (performance.now()). */
async function events(url: string, onEvent: (e: { type: string; job?: { pipeline: string; state: string; input_commits: unknown; datums: { processed: number } } }, at: number) => void): Promise<AbortController> {
  const ctl = new AbortController();
  const res = await fetch(`${url}/api/v1/events`, { signal: ctl.signal, headers: { Authorization: `Bearer ${TOKEN}` } });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const at = performance.now();
        buf += dec.decode(value, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const frame = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const data = frame.split("\n").find((l) => l.startsWith("data: "));
          if (data) onEvent(JSON.parse(data.slice(6)), at);
        }
      }
    } catch {
      // aborted
    }
  })();
  return ctl;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/** Resolves when `pred` holds for an event, with the event's arrival time. */
function waiter() {
  let pending: { pred: (e: any) => boolean; resolve: (at: number) => void } | null = null;
  return {
    on(e: any, at: number) {
      if (pending && pending.pred(e)) {
        const p = pending;
        pending = null;
        p.resolve(at);
      }
    },
    next(pred: (e: any) => boolean, timeoutMs = 30_000): Promise<number> {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no such event within 30 s")), timeoutMs);
        pending = { pred, resolve: (at) => (clearTimeout(t), resolve(at)) };
      });
    },
  };
}

export async function serve(ctx: Context): Promise<void> {
  const table = "calf serve";
  const dir = freshDir(workDir(ctx, "serve"));
  fs.mkdirSync(path.join(dir, "pipelines"));
  fs.writeFileSync(path.join(dir, "pipelines", "p.yaml"), [
    "pipeline: {name: p}",
    `transform: {cmd: [sh, -c, 'cp "$d" "/pfs/out/\${d##*/}"']}`,
    'input: {pfs: {repo: d, glob: "/*"}}',
    "---",
    "pipeline: {name: big}",
    `transform: {cmd: [sh, -c, 'tr a-z A-Z < "$m" > "/pfs/out/\${m##*/}"']}`,
    'input: {pfs: {repo: m, glob: "/*"}}',
    "parallelism_spec: {constant: 2}",
    "",
  ].join("\n"));
  const data = ["--data-dir", path.join(dir, "data"), "--pipelines", path.join(dir, "pipelines")];
  run([ctx.calf, ...data, "create", "repo", "d"]);
  run([ctx.calf, ...data, "create", "repo", "m"]);
  const s = await startServe(ctx, dir);
  const w = waiter();
  const stream = await events(s.url, (e, at) => w.on(e, at));
  const jobOf = (pipeline: string, state: string) => (e: any) => e.type === "job" && e.job.pipeline === pipeline && e.job.state === state;
  try {
    const rounds = ctx.quick ? 10 : 40;
    // 1. A put file process, from its start to the job running.
    const viaCli: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const started = w.next(jobOf("p", "running"));
      const t0 = performance.now();
      const put = spawn(ctx.calf, [...data, "put", "file", `d@master:/cli${i}`, "-f", "-"], { stdio: ["pipe", "ignore", "ignore"] });
      put.stdin!.end(`cli ${i}\n`);
      viaCli.push((await started) - t0);
      await w.next(jobOf("p", "success"));
    }
    // 2. An API PUT, from its answer (the commit is durable) to the job running.
    const viaApi: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const started = w.next(jobOf("p", "running"));
      const res = await fetch(`${s.url}/api/v1/repos/d/file?path=/api${i}&branch=master`, { method: "PUT", body: `api ${i}\n`, headers: { Authorization: `Bearer ${TOKEN}` } });
      const t0 = performance.now();
      if (res.status !== 201) throw new Error(`PUT answered ${res.status}: ${await res.text()}`);
      viaApi.push((await started) - t0);
      await w.next(jobOf("p", "success"));
    }
    const r = ctx.results;
    r.add({ table, row: "put file (a new process) → downstream job running, median", col: "wall", unit: "ms", samples: [pct(viaCli, 50)] });
    r.add({ table, row: "put file (a new process) → downstream job running, p99", col: "wall", unit: "ms", samples: [pct(viaCli, 99)] });
    r.add({ table, row: "API PUT answered → downstream job running, median", col: "wall", unit: "ms", samples: [pct(viaApi, 50)] });
    r.add({ table, row: "API PUT answered → downstream job running, p99", col: "wall", unit: "ms", samples: [pct(viaApi, 99)] });
    r.target({ name: "serve: put → job start < 100 ms (median, put process included)", measured: `${pct(viaCli, 50).toFixed(0)} ms (p99 ${pct(viaCli, 99).toFixed(0)} ms; from an API PUT's answer ${pct(viaApi, 50).toFixed(0)} ms)`, goal: "< 100 ms", pass: pct(viaCli, 50) < 100 });
    log(`serve: put → job running: cli median ${pct(viaCli, 50).toFixed(1)} ms, api median ${pct(viaApi, 50).toFixed(1)} ms`);

    // 3. API latency at 500 requests/s while a 10k-datum job runs.
    const n = ctx.quick ? 1000 : 10_000;
    const src = path.join(dir, "m-src");
    makeInputs(src, n);
    let processed = 0;
    let bigDone = false;
    const progress = (e: any) => {
      if (e.type === "job" && e.job.pipeline === "big") {
        processed = e.job.datums.processed;
        if (e.job.state !== "running") bigDone = true;
      }
    };
    const w2 = waiter();
    stream.abort();
    const stream2 = await events(s.url, (e, at) => {
      progress(e);
      w2.on(e, at);
    });
    const running = w2.next(jobOf("big", "running"), 120_000);
    run([ctx.calf, ...data, "put", "file", "m@master:/", "-f", src, "-r"]);
    await running;
    const rate = async (ms: number) => {
      const [p0, t0] = [processed, performance.now()];
      await new Promise((r) => setTimeout(r, ms));
      return ((processed - p0) * 1000) / (performance.now() - t0);
    };
    const quiet = await rate(ctx.quick ? 1500 : 4000);
    const before = processed;
    const loadRate = rate(ctx.quick ? 3000 : 10_000);
    const ac = await autocannon({
      url: `${s.url}/api/v1/jobs`, connections: 10, duration: ctx.quick ? 3 : 10, overallRate: 500,
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const loaded = await loadRate;
    if (bigDone || processed === before) log("serve: warning: the 10k-datum job ended (or stalled) before the load did; the rates below are not comparable");
    r.add({ table, row: `GET /api/v1/jobs at 500 req/s during a ${n / 1000}k-datum job, p50`, col: "wall", unit: "ms", samples: [ac.latency.p50] });
    r.add({ table, row: `GET /api/v1/jobs at 500 req/s during a ${n / 1000}k-datum job, p99`, col: "wall", unit: "ms", samples: [ac.latency.p99] });
    r.target({ name: "serve: API p99 < 20 ms at 500 req/s during a 10k-datum job", measured: `p99 ${ac.latency.p99} ms (p50 ${ac.latency.p50} ms)`, goal: "< 20 ms", pass: ac.latency.p99 < 20 && ac.errors === 0 && ac.non2xx === 0 });
    r.add({ table, row: `requests answered (${ac.non2xx} not 2xx, ${ac.errors} errors)`, col: "wall", unit: "count", samples: [ac.requests.total] });
    r.add({ table, row: "the job's datums/s without load", col: "wall", unit: "/s", samples: [quiet] });
    r.add({ table, row: "the job's datums/s under that load", col: "wall", unit: "/s", samples: [loaded] });
    log(`serve: API p50 ${ac.latency.p50} ms p99 ${ac.latency.p99} ms (${ac.requests.total} requests, ${ac.non2xx} non-2xx, ${ac.errors} errors); datums/s ${quiet.toFixed(0)} → ${loaded.toFixed(0)}`);
    stream2.abort();
  } finally {
    stream.abort();
    await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
