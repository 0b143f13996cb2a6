// The 100k-file figures: `calf plan` of 100k datums (wall time and peak RSS)
// and a no-op `run --once` against make's no-op over the same 100k files.
// Both use one data dir holding the files (plan changes nothing, SPEC §2.2).
import * as fs from "node:fs";
import * as path from "node:path";
import { make, makeIsUpToDate, writeMakefile } from "./baselines.ts";
import { repeat } from "./budget.ts";
import { Calf, folderUpper, UPPER_PIPELINE } from "./calf.ts";
import { assertEqual, BenchAssertion } from "./check.ts";
import { fmtN, log, workDir, type Context } from "./context.ts";
import { makeInputs, writeExpected } from "./files.ts";
import { Results } from "./results.ts";
import { RSS_TOOL, runWithPeakRss } from "./rss.ts";

interface Big {
  n: number;
  inDir: string;
  calf: Calf;
}

let big: Big | null = null;

/** N files put into repo `data` of one data dir; built once per suite run. */
function ensureBig(ctx: Context): Big {
  if (big) return big;
  const n = ctx.quick ? 1000 : 100_000;
  const inDir = workDir(ctx, "big", "in");
  fs.rmSync(workDir(ctx, "big"), { recursive: true, force: true });
  log(`${fmtN(n)} files: generating and putting them into calf (setup, timed once)`);
  makeInputs(inDir, n);
  const calf = new Calf(ctx.calf, workDir(ctx, "big", "calf"));
  calf.exec(["create", "repo", "data"]);
  const put = calf.exec(["put", "file", "data@master:/", "-f", inDir, "-r"]).ms;
  ctx.results.add({ table: `${fmtN(n)} files`, row: "setup: calf put file -r into a fresh repo (once)", col: "value", unit: "ms", samples: [put], planned: 1 });
  big = { n, inDir, calf };
  return big;
}

export function forgetBig(): void {
  big = null;
}

interface PlanJson {
  pipeline: string;
  datums: { total: number; process: number; skip: number; remove: number };
}

export async function plan100k(ctx: Context): Promise<void> {
  const { n, calf } = ensureBig(ctx);
  const table = `${fmtN(n)} files`;
  calf.onlyPipeline("up.yaml", UPPER_PIPELINE);
  const wall: number[] = [];
  const rss: number[] = [];
  log(`plan of ${fmtN(n)} datums, ${ctx.runs} run(s)`);
  const argv = [calf.bin, "plan", "up", "-o", "json", "--data-dir", calf.dataDir, "--pipelines", calf.pipelines];
  for (let i = 0; i < ctx.runs; i++) {
    const t0 = ctx.budget.elapsedMs();
    const m = await runWithPeakRss(argv, { cwd: calf.dir, stdoutFile: path.join(calf.dir, "plan.json") });
    const p = (JSON.parse(m.stdout) as PlanJson[]).find((x) => x.pipeline === "up");
    assertEqual(`calf plan up: datums to process`, p?.datums.process, n);
    wall.push(m.ms);
    rss.push((m.peakKiB * 1024) / 1e6);
    if (!ctx.budget.fits(ctx.budget.elapsedMs() - t0)) break;
  }
  const r = ctx.results;
  const w = r.add({ table, row: `calf plan -o json, ${fmtN(n)} datums (glob /*): wall`, col: "value", unit: "ms", samples: wall, planned: ctx.runs });
  const m = r.add({ table, row: `calf plan -o json, ${fmtN(n)} datums: peak RSS (${RSS_TOOL})`, col: "value", unit: "MB", samples: rss, planned: ctx.runs });
  const vw = Results.value(w) ?? NaN;
  const vm = Results.value(m) ?? NaN;
  r.target({ name: `plan, ${fmtN(n)} datums: wall`, measured: `${(vw / 1000).toFixed(2)} s`, goal: "< 2 s", pass: vw < 2000 });
  r.target({ name: `plan, ${fmtN(n)} datums: peak RSS`, measured: `${vm.toFixed(0)} MB`, goal: "< 300 MB", pass: vm < 300 });
}

/** One datum over the whole repo: `cp -r` gives an output tree of N files. */
const WHOLE_REPO_PIPELINE = [
  "pipeline: {name: all}",
  "transform:",
  `  cmd: [sh, -c, 'cp -r "$data/." /pfs/out/']`,
  "input:",
  '  pfs: {repo: data, glob: "/"}',
  "parallelism_spec: {constant: 2}",
  "",
].join("\n");

export function noop100k(ctx: Context): void {
  const { n, inDir, calf } = ensureBig(ctx);
  const table = `${fmtN(n)} files`;
  const pipeline = ctx.perFile100k ? "up" : "all";
  const how = ctx.perFile100k
    ? `per-file pipeline (glob /*, ${fmtN(n)} datums; its cold run used datum_batching, which a no-op run does not care about)`
    : `one datum over all ${fmtN(n)} files (glob /, transform cp -r; --one-datum-100k)`;
  log(`no-op at ${fmtN(n)}: setup (calf cold run of ${pipeline}, make outputs written directly)`);
  calf.onlyPipeline(`${pipeline}.yaml`, ctx.perFile100k ? folderUpper({ batched: true }) : WHOLE_REPO_PIPELINE);
  const setup = calf.exec(["run", "--once"], { timeoutMs: 60 * 60_000 }).ms;
  const job = calf.lastJob(pipeline);
  assertEqual(`no-op setup: calf datums processed`, job.datums.processed, ctx.perFile100k ? n : 1);
  // make's finished state: outputs newer than inputs, written here rather than by a
  // 100k-file make run that would cost minutes; make -q confirms it is up to date.
  const makeDir = workDir(ctx, "big", "make");
  writeExpected(inDir, path.join(makeDir, "out"));
  const makefile = path.join(makeDir, "Makefile");
  writeMakefile(makefile, inDir, path.join(makeDir, "out"));
  if (!makeIsUpToDate(makefile)) throw new BenchAssertion(`${fmtN(n)} files: make -q says the prepared outputs are not up to date`);

  const calfMs: number[] = [];
  const makeMs: number[] = [];
  log(`no-op at ${fmtN(n)}, ${ctx.runs} round(s)`);
  repeat(ctx.runs, ctx.budget, () => {
    const before = calf.jobs().length;
    calfMs.push(calf.exec(["run", "--once"]).ms);
    assertEqual(`${fmtN(n)} files: calf no-op run --once: new jobs`, calf.jobs().length - before, 0);
    makeMs.push(make(makefile).ms);
  });
  const r = ctx.results;
  r.add({ table, row: `setup: calf cold run --once of the no-op pipeline (once)`, col: "value", unit: "ms", samples: [setup], planned: 1 });
  const c = r.add({ table, row: `no-op: calf run --once`, col: "value", unit: "ms", samples: calfMs, planned: ctx.runs, note: how });
  const m = r.add({ table, row: `no-op: make -r -j2`, col: "value", unit: "ms", samples: makeMs, planned: ctx.runs });
  r.ratioTarget(`no-op at ${fmtN(n)} files: calf run --once / make no-op`, c, m, 0.1);
}

export function cleanBig(ctx: Context): void {
  fs.rmSync(workDir(ctx, "big"), { recursive: true, force: true });
  forgetBig();
}
