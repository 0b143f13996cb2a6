// Start-up: `calf --version`, and `run --once` on an empty pipelines folder —
// the first one (creates the data dir and database) and then steady state.
import { repeat } from "./budget.ts";
import { Calf } from "./calf.ts";
import { log, workDir, type Context } from "./context.ts";
import { run } from "./measure.ts";
import { Results } from "./results.ts";

export function startup(ctx: Context): void {
  const table = "start-up";
  const planned = ctx.quick ? 1 : Math.max(ctx.runs, 10);
  const version: number[] = [];
  const noop: number[] = [];
  const calf = new Calf(ctx.calf, workDir(ctx, "startup"));
  log("start-up: first run --once on an empty folder");
  const first = calf.exec(["run", "--once"]).ms;
  repeat(planned, ctx.budget, () => {
    version.push(run([ctx.calf, "--version"]).ms);
    noop.push(calf.exec(["run", "--once"]).ms);
  });
  calf.remove();
  const r = ctx.results;
  const v = r.add({ table, row: "calf --version", col: "wall", unit: "ms", samples: version, planned });
  r.add({ table, row: "run --once, empty folder, new data dir (creates the database)", col: "wall", unit: "ms", samples: [first], planned: 1 });
  const n = r.add({ table, row: "run --once, empty folder, existing data dir", col: "wall", unit: "ms", samples: noop, planned });
  const fmt = (f: typeof v) => `${Math.round(Results.value(f) ?? NaN)} ms`;
  r.target({ name: "start-up figures reported", measured: `--version ${fmt(v)}; empty run --once ${fmt(n)}`, goal: "reported", pass: null });
}
