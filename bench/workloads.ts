// The per-file workloads at N files: cold run, no-op rerun, and one file
// changed plus another only touched — through a bash loop, xargs -P2,
// make -r -j2, Snakemake -j2 and calf. Tools run interleaved within each
// round, on the same input folder; every output is checked byte for byte.
import * as fs from "node:fs";
import * as path from "node:path";
import { bashLoop, make, makeIsUpToDate, snakemake, writeMakefile, writeSnakefile, xargsP2 } from "./baselines.ts";
import { repeat } from "./budget.ts";
import { Calf, UPPER_PIPELINE } from "./calf.ts";
import { assertDigest, assertEqual, BenchAssertion } from "./check.ts";
import { fmtN, log, workDir, type Context } from "./context.ts";
import { expectedDigest, freshDir, inputContent, inputName, makeInputs, treeDigest } from "./files.ts";
import { settle } from "./measure.ts";
import type { Figure } from "./results.ts";

const COLS = { bash: "bash loop", xargs: "xargs -P2", make: "make -r -j2", snake: "snakemake -j2", calf: "calf" } as const;
const NO_INCREMENTAL = "no incremental mode: a rerun redoes every file";

type Samples = Record<string, number[]>;

export function workloads(ctx: Context): void {
  for (const n of ctx.quick ? [1000] : [1000, 10_000]) workload(ctx, n);
}

function workload(ctx: Context, n: number): void {
  const base = freshDir(workDir(ctx, `n${n}`));
  const inDir = path.join(base, "in");
  makeInputs(inDir, n);
  const out = (tool: string) => path.join(base, tool, "out");
  const makefile = path.join(base, "make", "Makefile");
  const snakefile = path.join(base, "snakemake", "Snakefile");
  fs.mkdirSync(path.dirname(makefile), { recursive: true });
  writeMakefile(makefile, inDir, out("make"));
  const snakeSkip = !ctx.hasSnakemake
    ? "not installed (Debian package snakemake)"
    : n > ctx.snakemakeMax
      ? `not run above N = ${fmtN(ctx.snakemakeMax)} (minutes per run; --snakemake-max ${n} includes it)`
      : null;
  if (!snakeSkip) {
    fs.mkdirSync(path.dirname(snakefile), { recursive: true });
    writeSnakefile(snakefile);
  }
  const calf = new Calf(ctx.calf, path.join(base, "calf"));
  const s: Samples = {};
  const push = (k: string, ms: number) => (s[k] ??= []).push(ms);
  let want = expectedDigest(inDir);
  const check = (tool: string, dir: string) => assertDigest(`N=${n} ${tool}`, treeDigest(dir), want);
  const checkCalf = () => {
    const dest = path.join(base, "calf", "got");
    calf.extract("up@master:/", dest);
    check("calf", dest);
    fs.rmSync(dest, { recursive: true, force: true });
  };

  // Cold: fresh outputs (and a fresh calf data dir) every round.
  log(`N=${fmtN(n)}: cold, ${ctx.runs} round(s)`);
  const coldRounds = repeat(ctx.runs, ctx.budget, () => {
    // Every tool's previous outputs are deleted first, long before calf runs: deleting
    // 10k-20k files leaves discard work behind (this VM's ext4 is mounted with
    // `discard`), and calf's durable put paid it in its syncfs (~1.2 s at 10k, even
    // after a sync) when its data dir was deleted just before it.
    for (const key of ["bash", "xargs", "make", "snakemake"] as const) freshDir(out(key));
    fs.rmSync(path.join(base, "snakemake", ".snakemake"), { recursive: true, force: true });
    calf.reset();
    for (const [key, fn] of [["bash", bashLoop], ["xargs", xargsP2]] as const) {
      settle();
      push(`cold ${key}`, fn(inDir, out(key)).ms);
      check(COLS[key], out(key));
    }
    settle();
    push("cold make", make(makefile).ms);
    check(COLS.make, out("make"));
    if (!snakeSkip) {
      const meta = path.join(base, "snakemake", ".snakemake");
      push("dag snake", snakemake(snakefile, inDir, out("snakemake"), ["-n"]).ms);
      fs.rmSync(meta, { recursive: true, force: true });
      settle();
      push("cold snake", snakemake(snakefile, inDir, out("snakemake")).ms);
      check(COLS.snake, out("snakemake"));
    }
    calf.onlyPipeline("up.yaml", UPPER_PIPELINE);
    calf.exec(["create", "repo", "data"]);
    settle();
    const put = calf.exec(["put", "file", "data@master:/", "-f", inDir, "-r"]).ms;
    const runMs = calf.exec(["run", "--once"]).ms;
    push("cold calf put", put);
    push("cold calf run", runMs);
    push("cold calf", put + runMs);
    assertEqual(`N=${n} calf cold run: datums processed`, calf.lastJob("up").datums.processed, n);
    checkCalf();
  });
  log(`N=${fmtN(n)}: cold done in ${coldRounds} round(s)`);

  // No-op: nothing changed since the cold run.
  if (!makeIsUpToDate(makefile)) throw new BenchAssertion(`N=${n}: make -q says the make outputs are not up to date after the cold run`);
  repeat(ctx.runs, ctx.budget, () => {
    push("noop make", make(makefile).ms);
    if (!snakeSkip) push("noop snake", snakemake(snakefile, inDir, out("snakemake")).ms);
    const jobsBefore = calf.jobs().length;
    push("noop calf", calf.exec(["run", "--once"]).ms);
    assertEqual(`N=${n} calf no-op run --once: new jobs`, calf.jobs().length - jobsBefore, 0);
    const put = calf.exec(["put", "file", "data@master:/", "-f", inDir, "-r", "--overwrite"]).ms;
    const runMs = calf.exec(["run", "--once"]).ms;
    push("reput calf", put + runMs);
    const jobs = calf.jobs("up");
    if (jobs.length > jobsBefore) assertEqual(`N=${n} calf re-put unchanged folder + run: datums processed`, jobs[0]!.datums.processed, 0);
  });

  // One file's content changed, another only touched (same bytes, new mtime).
  const processed: number[] = [];
  repeat(ctx.runs, ctx.budget, (i) => {
    const changed = path.join(inDir, inputName(i, n));
    const touched = path.join(inDir, inputName(n - 1 - i, n));
    fs.writeFileSync(changed, `${inputContent(i)}changed in round ${i}\n`);
    const now = new Date();
    fs.utimesSync(touched, now, now);
    want = expectedDigest(inDir);
    settle();
    push("change make", make(makefile).ms);
    check(`${COLS.make} after one change`, out("make"));
    if (!snakeSkip) {
      settle();
      push("change snake", snakemake(snakefile, inDir, out("snakemake")).ms);
      check(`${COLS.snake} after one change`, out("snakemake"));
    }
    settle();
    const put = calf.exec(["put", "file", "data@master:/", "-f", inDir, "-r", "--overwrite"]).ms;
    const runMs = calf.exec(["run", "--once"]).ms;
    push("change calf put", put);
    push("change calf run", runMs);
    push("change calf", put + runMs);
    const job = calf.lastJob("up");
    processed.push(job.datums.processed);
    assertEqual(`N=${n} one change: calf datums processed (calf list job -o json .[0].datums.processed)`, job.datums.processed, 1);
    checkCalf();
  });

  record(ctx, n, s, snakeSkip, coldRounds);
  ctx.results.target({
    name: `one change, N=${fmtN(n)}: calf datums processed`,
    measured: processed.join(", "),
    goal: "exactly 1",
    pass: processed.length > 0 && processed.every((p) => p === 1),
  });
  calf.remove();
  fs.rmSync(base, { recursive: true, force: true });
}

function record(ctx: Context, n: number, s: Samples, snakeSkip: string | null, coldRounds: number): void {
  const r = ctx.results;
  const table = `workloads, N = ${fmtN(n)}`;
  const planned = ctx.runs;
  const fig = (row: string, col: string, key: string): Figure => r.add({ table, row, col, unit: "ms", samples: s[key] ?? [], planned });
  const skip = (row: string, col: string, why: string) => r.add({ table, row, col, unit: "ms", samples: [], planned, skipped: why });
  const snake = (row: string, key: string) => (snakeSkip ? skip(row, COLS.snake, snakeSkip) : fig(row, COLS.snake, key));

  const cold = "cold run";
  fig(cold, COLS.bash, "cold bash");
  const xargs = fig(cold, COLS.xargs, "cold xargs");
  fig(cold, COLS.make, "cold make");
  snake(cold, "cold snake");
  const calfCold = fig(cold, COLS.calf, "cold calf");
  snake("  cold: DAG build alone (snakemake -n)", "dag snake");
  fig("  cold: put file -r", COLS.calf, "cold calf put");
  fig("  cold: run --once", COLS.calf, "cold calf run");

  const noop = "no-op rerun";
  skip(noop, COLS.bash, NO_INCREMENTAL);
  skip(noop, COLS.xargs, NO_INCREMENTAL);
  const makeNoop = fig(noop, COLS.make, "noop make");
  snake(noop, "noop snake");
  const calfNoop = fig(noop, COLS.calf, "noop calf");
  fig("no-op: re-put unchanged folder (--overwrite) + run --once", COLS.calf, "reput calf");

  const change = "one changed + one touched";
  skip(change, COLS.bash, NO_INCREMENTAL);
  skip(change, COLS.xargs, NO_INCREMENTAL);
  const makeChange = fig(change, COLS.make, "change make");
  snake(change, "change snake");
  const calfChange = fig(change, COLS.calf, "change calf");
  fig("  one change: put file -r --overwrite", COLS.calf, "change calf put");
  fig("  one change: run --once", COLS.calf, "change calf run");

  // Issue 4 sets these targets at N = 10k; smaller N are reported (start-up dominates them) unless --quick.
  const judged = n >= 10_000 || ctx.quick;
  r.ratioTarget(`cold, N=${fmtN(n)}: calf (put + run) / xargs -P2`, calfCold, xargs, 1.5, { judged });
  r.ratioTarget(`no-op rerun, N=${fmtN(n)}: calf run --once / make no-op`, calfNoop, makeNoop, 1.0, { judged });
  r.ratioTarget(`one change, N=${fmtN(n)}: calf (put --overwrite + run) / make`, calfChange, makeChange, 1.0, { judged });
  if (coldRounds < planned) r.notes.push(`N = ${fmtN(n)}: cold ran ${coldRounds} of ${planned} rounds (time budget)`);
}
