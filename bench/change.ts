// After the cold runs (cold.ts), on the batched series' data dir, N = 10k
// files in a folder-backed repo:
// - one file changed and another only touched, then `calf run --once` alone
//   (no separate put: the run snapshots the folder) against `make -r -j2`;
//   exactly one datum must be processed;
// - under `calf serve`, a file edited in the folder until the output commit
//   holding it is on the branch (API polled every 2 ms), and how long that
//   datum itself ran.
import * as fs from "node:fs";
import * as path from "node:path";
import { make, makeIsUpToDate, writeMakefile } from "./baselines.ts";
import { repeat } from "./budget.ts";
import { assertDigest, assertEqual, BenchAssertion } from "./check.ts";
import type { ColdState } from "./cold.ts";
import { fmtN, log, type Context } from "./context.ts";
import { expectedDigest, inputContent, inputName, treeDigest } from "./files.ts";
import { settle } from "./measure.ts";
import { Results } from "./results.ts";
import { Served, type ApiDatum, type ApiJob, type ApiRepo } from "./served.ts";

export function oneChange(ctx: Context, st: ColdState): void {
  const { n, base, inDir, calf } = st;
  const makeDir = path.join(base, "make");
  const makefile = path.join(makeDir, "Makefile");
  fs.mkdirSync(path.join(makeDir, "out"), { recursive: true });
  writeMakefile(makefile, inDir, path.join(makeDir, "out"));
  log(`one change at N=${fmtN(n)}: make's cold run (untimed), then ${ctx.runs} round(s)`);
  make(makefile);
  if (!makeIsUpToDate(makefile)) throw new BenchAssertion(`N=${n}: make -q says make's outputs are not up to date`);
  const makeMs: number[] = [];
  const calfMs: number[] = [];
  const processed: number[] = [];
  repeat(ctx.runs, ctx.budget, (i) => {
    fs.writeFileSync(path.join(inDir, inputName(i, n)), `${inputContent(i)}changed in round ${i}\n`);
    const later = new Date(Date.now() + 1000);
    fs.utimesSync(path.join(inDir, inputName(n - 1 - i, n)), later, later);
    const want = expectedDigest(inDir);
    settle();
    makeMs.push(make(makefile).ms);
    assertDigest(`N=${n} make after one change`, treeDigest(path.join(makeDir, "out")), want);
    settle();
    calfMs.push(calf.exec(["run", "--once"]).ms);
    const job = calf.lastJob("up");
    processed.push(job.datums.processed);
    assertEqual(`N=${n} one change: calf datums processed`, job.datums.processed, 1);
  });
  const r = ctx.results;
  const table = `one file changed + one touched, N = ${fmtN(n)}, folder-backed repo`;
  const m = r.add({ table, row: "make -r -j2", col: "value", unit: "ms", samples: makeMs, planned: ctx.runs });
  const c = r.add({ table, row: "calf run --once alone (snapshot + plan + 1 datum + commit)", col: "value", unit: "ms", samples: calfMs, planned: ctx.runs });
  r.ratioTarget(`one change, N=${fmtN(n)}, folder-backed: calf run --once / make -r`, c, m, 1.0, { paired: true });
  r.target({ name: `one change, N=${fmtN(n)}, folder-backed: calf datums processed`, measured: processed.join(", "), goal: "exactly 1", pass: processed.length > 0 && processed.every((p) => p === 1) });
  fs.rmSync(makeDir, { recursive: true, force: true });
}

/** Edit -> output committed under `calf serve` (the folder watched), minus nothing: the datum's own time is shown beside it. */
export async function serveEdit(ctx: Context, st: ColdState): Promise<void> {
  const { n, inDir, calf } = st;
  const served = await Served.start(calf);
  const latency: number[] = [];
  const datumMs: number[] = [];
  const rounds = ctx.quick ? 3 : Math.max(5, ctx.runs * 3);
  log(`edit -> commit under calf serve at N=${fmtN(n)}: ${rounds} edits`);
  try {
    const headOf = async () => (await served.get<ApiRepo>("/api/v1/repos/up")).head;
    // Idle first: no job running, nothing due.
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < rounds; i++) {
      const before = await headOf();
      const file = path.join(inDir, inputName(100 + i, n));
      const text = `${inputContent(100 + i)}edited under serve ${i}\n`;
      const t0 = performance.now();
      fs.writeFileSync(file, text);
      await served.until("the output commit", async () => ((await headOf()) !== before ? true : undefined));
      latency.push(performance.now() - t0);
      const job = (await served.get<ApiJob[]>("/api/v1/jobs?pipeline=up&limit=1"))[0]!;
      assertEqual(`serve edit ${i}: datums processed`, job.datums.processed, 1);
      // An incremental job lists the datums it planned; the one it ran is the only success there.
      const ran = await served.get<ApiDatum[]>(`/api/v1/jobs/${job.id}/datums?state=success`);
      if (ran.length !== 1) throw new BenchAssertion(`serve edit ${i}: ${ran.length} datums ran in job ${job.id}, want 1`);
      datumMs.push(ran[0]!.duration_ms);
      await new Promise((r) => setTimeout(r, 300)); // quiet again before the next edit
    }
  } finally {
    await served.stop();
  }
  const r = ctx.results;
  const table = `under calf serve, N = ${fmtN(n)}: a file edited in the folder-backed repo until its output is committed`;
  r.add({ table, row: "edit -> output commit on the branch (API polled every 2 ms)", col: "value", unit: "ms", samples: latency, planned: rounds });
  r.add({ table, row: "  of which the datum (materialize, transform, outputs: its duration_ms)", col: "value", unit: "ms", samples: datumMs, planned: rounds });
  const over = latency.map((x, i) => x - datumMs[i]!);
  const v = Results.value(r.add({ table, row: "  the rest: watch, debounce, snapshot, plan, commit", col: "value", unit: "ms", samples: over, planned: rounds }));
  r.target({ name: `serve, N=${fmtN(n)}: edit -> output committed, beyond the datum's own time`, measured: v === null ? "n/a" : `${Math.round(v)} ms`, goal: "≤ 200 ms", pass: v === null ? null : v <= 200 });
}
