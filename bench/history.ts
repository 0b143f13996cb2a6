// Per-job cost against history (pachyderm#2896): N = 10k commits of one file
// each (a PUT through the API of `calf serve`), each followed by its job (one
// datum: the new file; the others skip). The job's own duration (finished -
// started) and the round trip (PUT -> job finished, seen on the event stream)
// are compared between the first and the last tenth of the history: flat
// means the last tenth's median is within 1.25× of the first's.
import * as path from "node:path";
import { Calf } from "./calf.ts";
import { assertEqual, BenchAssertion } from "./check.ts";
import { fmtN, log, workDir, type Context } from "./context.ts";
import { median } from "./measure.ts";
import { Served, type ApiJob } from "./served.ts";

const PIPELINE = ["pipeline: {name: h}", "transform:", `  cmd: [sh, -c, 'tr a-z A-Z < "$hist" > "/pfs/out/\${hist##*/}"']`, "input:", '  pfs: {repo: hist, glob: "/*"}', "parallelism_spec: {constant: 1}", ""].join("\n");

export async function history(ctx: Context): Promise<void> {
  const n = ctx.historyN;
  const calf = new Calf(ctx.calf, path.join(workDir(ctx, "history")));
  calf.onlyPipeline("h.yaml", PIPELINE);
  calf.exec(["create", "repo", "hist"]);
  const served = await Served.start(calf);
  const jobMs: number[] = [];
  const tripMs: number[] = [];
  const finished: ApiJob[] = [];
  let wake: (() => void) | null = null;
  const unfollow = served.followJobs((j) => {
    if (j.pipeline !== "h") return;
    finished.push(j);
    wake?.();
  });
  log(`history: ${fmtN(n)} commits, each followed by its job, through calf serve`);
  try {
    await new Promise((r) => setTimeout(r, 500)); // the event stream is open
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const seen = finished.length;
      await served.put("hist", `/f${String(i).padStart(6, "0")}`, `commit ${i}: some words\n`);
      while (finished.length === seen) {
        const waited = new Promise<void>((r) => (wake = r));
        const timeout = new Promise<void>((r) => setTimeout(r, 60_000));
        await Promise.race([waited, timeout]);
        if (finished.length === seen && performance.now() - t0 > 60_000) throw new BenchAssertion(`history: no job finished within 60 s of commit ${i}`);
      }
      tripMs.push(performance.now() - t0);
      // Jobs may coalesce two commits only if a PUT came while a job ran: here each PUT waits for its job.
      const job = finished[finished.length - 1]!;
      if (job.state !== "success") throw new BenchAssertion(`history: job ${job.id} after commit ${i} ended ${job.state}`);
      assertEqual(`history commit ${i}: datums processed`, job.datums.processed, 1);
      jobMs.push(Date.parse(job.finished!) - Date.parse(job.started));
      if ((i + 1) % 1000 === 0) log(`history: ${fmtN(i + 1)} jobs, last thousand's median round trip ${median(tripMs.slice(-1000)).toFixed(1)} ms`);
    }
  } finally {
    unfollow();
    await served.stop();
    calf.remove();
  }
  const tenth = Math.max(1, Math.floor(n / 10));
  const r = ctx.results;
  const table = `history: ${fmtN(n)} commits of one file each, each followed by its job (calf serve, PUT over the API)`;
  const add = (row: string, xs: number[]) => r.add({ table, row, col: "value", unit: "ms", samples: xs, planned: xs.length });
  const j1 = add(`job duration (finished - started), first ${fmtN(tenth)} jobs`, jobMs.slice(0, tenth));
  const j2 = add(`job duration, last ${fmtN(tenth)} jobs`, jobMs.slice(-tenth));
  add(`PUT -> job finished (event stream), first ${fmtN(tenth)}`, tripMs.slice(0, tenth));
  add(`PUT -> job finished, last ${fmtN(tenth)}`, tripMs.slice(-tenth));
  r.ratioTarget(`history, ${fmtN(n)} jobs: per-job cost, last tenth / first tenth (flat)`, j2, j1, 1.25);
}
