// Ingest: `calf put file data@master:/ -f DIR -r` of the N-file folder into a
// fresh repo (new data dir each time; `create repo` untimed) against
// `cp -r DIR DEST`. Dirty pages are flushed (untimed) before each command.
import * as fs from "node:fs";
import { repeat } from "./budget.ts";
import { Calf } from "./calf.ts";
import { assertEqual } from "./check.ts";
import { fmtN, log, workDir, type Context } from "./context.ts";
import { makeInputs } from "./files.ts";
import { run, settle } from "./measure.ts";

export function ingest(ctx: Context): void {
  const n = ctx.quick ? 1000 : 10_000;
  const table = `ingest, N = ${fmtN(n)}`;
  const inDir = workDir(ctx, "ingest", "in");
  const dest = workDir(ctx, "ingest", "cp");
  makeInputs(inDir, n);
  const put: number[] = [];
  const cp: number[] = [];
  log(`ingest: ${fmtN(n)} files, ${ctx.runs} run(s)`);
  repeat(ctx.runs, ctx.budget, (i) => {
    const calf = new Calf(ctx.calf, workDir(ctx, "ingest", "calf"));
    calf.exec(["create", "repo", "data"]);
    settle();
    put.push(calf.exec(["put", "file", "data@master:/", "-f", inDir, "-r"]).ms);
    if (i === 0) assertEqual(`calf put -r of ${n} files: files in data@master`, calf.files("data@master:/").length, n);
    calf.remove();
    fs.rmSync(dest, { recursive: true, force: true });
    settle();
    cp.push(run(["cp", "-r", inDir, dest]).ms);
    fs.rmSync(dest, { recursive: true, force: true });
  });
  const r = ctx.results;
  const p = r.add({ table, row: `calf put file -r (fresh repo)`, col: "wall", unit: "ms", samples: put, planned: ctx.runs });
  const c = r.add({ table, row: `cp -r`, col: "wall", unit: "ms", samples: cp, planned: ctx.runs });
  r.ratioTarget(`ingest, N=${fmtN(n)}: calf put -r / cp -r`, p, c, 3);
}
