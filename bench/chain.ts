// One changed file through 5 chained pipelines of N = 10k datums each
// (pachyderm#4340: about an hour there): data (a folder-backed repo) -> p1
// -> p2 -> p3 -> p4 -> p5, each `tr` per file. After one cold run (timed
// once, batched), each round changes one input file and times `calf run
// --once` alone; every job must process exactly one datum. "Work" is what
// those five datums took themselves (their duration_ms).
import * as fs from "node:fs";
import * as path from "node:path";
import { repeat } from "./budget.ts";
import { Calf, folderUpper } from "./calf.ts";
import { assertEqual } from "./check.ts";
import { fmtN, log, workDir, type Context } from "./context.ts";
import { freshDir, inputContent, inputName, makeInputs } from "./files.ts";
import { settle } from "./measure.ts";
import { Results } from "./results.ts";

const STAGES = 5;

export function chain(ctx: Context): void {
  const n = ctx.quick ? 1000 : 10_000;
  const base = freshDir(workDir(ctx, "chain"));
  const inDir = path.join(base, "in");
  makeInputs(inDir, n);
  const calf = new Calf(ctx.calf, path.join(base, "calf"));
  const specs = [folderUpper({ inDir, batched: true, name: "p1" })];
  for (let k = 2; k <= STAGES; k++) specs.push(folderUpper({ batched: true, name: `p${k}`, input: `p${k - 1}` }));
  calf.onlyPipeline("chain.yaml", specs.join("---\n"));
  log(`chain of ${STAGES} × ${fmtN(n)} datums: cold run (setup, timed once), then ${ctx.runs} round(s)`);
  settle();
  const cold = calf.exec(["run", "--once"], { timeoutMs: 60 * 60_000 }).ms;
  for (let k = 1; k <= STAGES; k++) assertEqual(`chain cold: p${k} datums processed`, calf.lastJob(`p${k}`).datums.processed, n);
  const total: number[] = [];
  const work: number[] = [];
  repeat(ctx.runs, ctx.budget, (i) => {
    fs.writeFileSync(path.join(inDir, inputName(7 * i + 3, n)), `${inputContent(7 * i + 3)}changed in chain round ${i}\n`);
    settle();
    total.push(calf.exec(["run", "--once"]).ms);
    let w = 0;
    for (let k = 1; k <= STAGES; k++) {
      const job = calf.lastJob(`p${k}`);
      assertEqual(`chain round ${i}: p${k} datums processed`, job.datums.processed, 1);
      const ran = calf.json<{ state: string; duration_ms: number; tries: number }[]>(["list", "datum", job.id]).filter((d) => d.tries > 0);
      w += ran.reduce((s, d) => s + d.duration_ms, 0);
    }
    work.push(w);
  });
  calf.remove();
  fs.rmSync(base, { recursive: true, force: true });
  const r = ctx.results;
  const table = `one changed file through ${STAGES} chained pipelines of ${fmtN(n)} datums each (folder-backed input)`;
  r.add({ table, row: `setup: cold run of the chain, ${STAGES} × ${fmtN(n)} datums, datum_batching (once)`, col: "value", unit: "ms", samples: [cold], planned: 1 });
  r.add({ table, row: "calf run --once after one file changed", col: "value", unit: "ms", samples: total, planned: ctx.runs });
  r.add({ table, row: "  of which the 5 datums' own time (work)", col: "value", unit: "ms", samples: work, planned: ctx.runs });
  const over = Results.value(r.add({ table, row: "  the rest (start-up, snapshot, 5 × plan and commit)", col: "value", unit: "ms", samples: total.map((t, i) => t - work[i]!), planned: ctx.runs }));
  r.target({ name: `chain of ${STAGES} × ${fmtN(n)}: one changed file, beyond the work`, measured: over === null ? "n/a" : `${Math.round(over)} ms`, goal: "≤ 1 s", pass: over === null ? null : over <= 1000 });
}
