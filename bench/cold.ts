// Cold runs at N = 10k over a folder-backed repo (issue 13), side by side in
// each round: xargs -P2 (a sh and a tr per file), xargs -P2 -n256 (a sh per
// 256 files, a tr per file: the batched floor), and calf `run --once` alone
// (the folder's snapshot included), unbatched and with datum_batching. Every
// output is checked byte for byte. The batched series' data dir is kept for
// the figures that follow (change.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { xargsP2, xargsP2Batched } from "./baselines.ts";
import { repeat } from "./budget.ts";
import { Calf, folderUpper } from "./calf.ts";
import { assertDigest, assertEqual } from "./check.ts";
import { fmtN, log, workDir, type Context } from "./context.ts";
import { expectedDigest, freshDir, makeInputs, treeDigest } from "./files.ts";
import { settle } from "./measure.ts";

export interface ColdState {
  n: number;
  base: string;
  inDir: string;
  /** The batched series, as its last cold run left it. */
  calf: Calf;
}

const COL = "value";
export const XARGS = "xargs -P2 (sh + tr per file)";
export const XARGS_N = "xargs -P2 -n256 (sh per 256 files, tr per file)";
export const CALF_U = "calf run --once, unbatched (sh + tr per datum)";
export const CALF_B = "calf run --once, datum_batching (sh per slot, tr per datum)";

export function coldRuns(ctx: Context): ColdState {
  const n = ctx.quick ? 1000 : 10_000;
  const base = freshDir(workDir(ctx, "batching"));
  const inDir = path.join(base, "in");
  makeInputs(inDir, n);
  const want = expectedDigest(inDir);
  const out = (k: string) => path.join(base, k, "out");
  const calfU = new Calf(ctx.calf, path.join(base, "calf-u"));
  const calfB = new Calf(ctx.calf, path.join(base, "calf-b"));
  const s: Record<string, number[]> = {};
  const push = (k: string, ms: number) => (s[k] ??= []).push(ms);
  const checkCalf = (calf: Calf, what: string) => {
    assertEqual(`N=${n} ${what}: datums processed`, calf.lastJob("up").datums.processed, n);
    const dest = path.join(calf.dir, "got");
    calf.extract("up@master:/", dest);
    assertDigest(`N=${n} ${what}`, treeDigest(dest), want);
    fs.rmSync(dest, { recursive: true, force: true });
  };
  log(`cold at N=${fmtN(n)} (folder-backed repo): ${ctx.runs} round(s)`);
  const rounds = repeat(ctx.runs, ctx.budget, () => {
    // Everything of the last round goes first (see workloads.ts: deleting 10k files leaves discard work behind).
    for (const k of ["xargs", "xargsn"]) freshDir(out(k));
    calfU.reset();
    calfB.reset();
    settle();
    push(XARGS, xargsP2(inDir, out("xargs")).ms);
    assertDigest(`N=${n} ${XARGS}`, treeDigest(out("xargs")), want);
    settle();
    push(XARGS_N, xargsP2Batched(inDir, out("xargsn")).ms);
    assertDigest(`N=${n} ${XARGS_N}`, treeDigest(out("xargsn")), want);
    for (const [calf, key, batched] of [[calfU, CALF_U, false], [calfB, CALF_B, true]] as const) {
      calf.onlyPipeline("up.yaml", folderUpper({ inDir, batched }));
      settle();
      push(key, calf.exec(["run", "--once"]).ms);
      checkCalf(calf, key);
    }
  });
  calfU.remove();
  for (const k of ["xargs", "xargsn"]) fs.rmSync(path.join(base, k), { recursive: true, force: true });
  const r = ctx.results;
  const table = `cold run, N = ${fmtN(n)}: calf run --once alone over a folder-backed repo (its snapshot included)`;
  const fig = (row: string) => r.add({ table, row, col: COL, unit: "ms", samples: s[row] ?? [], planned: ctx.runs });
  const [x, xn, cu, cb] = [fig(XARGS), fig(XARGS_N), fig(CALF_U), fig(CALF_B)];
  r.ratioTarget(`batched cold, N=${fmtN(n)}: calf datum_batching / xargs -P2 -n256`, cb, xn, 1.2, { paired: true });
  r.ratioTarget(`batched cold, N=${fmtN(n)}: calf datum_batching / xargs -P2`, cb, x, 0.6, { paired: true });
  r.ratioTarget(`unbatched cold, N=${fmtN(n)}: calf / xargs -P2`, cu, x, 1.3, { paired: true });
  if (rounds < ctx.runs) r.notes.push(`cold at N = ${fmtN(n)}: ${rounds} of ${ctx.runs} rounds (time budget)`);
  return { n, base, inDir, calf: calfB };
}
