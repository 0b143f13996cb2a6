// What every section gets: the calf binary, its own work folder, the run
// settings and the shared result store. Sections write nothing outside `work`.
import * as path from "node:path";
import type { Budget } from "./budget.ts";
import type { Results } from "./results.ts";

export interface Context {
  /** Absolute path of the calf binary under test. */
  calf: string;
  /** Absolute path of bench/work. */
  work: string;
  quick: boolean;
  /** Planned repetitions per figure. */
  runs: number;
  budget: Budget;
  results: Results;
  /** Largest N Snakemake is run at (it needs minutes per run at 10k). */
  snakemakeMax: number;
  hasSnakemake: boolean;
  /** Use the per-file pipeline (100k datums) for the no-op at 100k instead of one datum. */
  perFile100k: boolean;
  /** Commits of the history section. */
  historyN: number;
}

export function workDir(ctx: Context, ...parts: string[]): string {
  return path.join(ctx.work, ...parts);
}

export function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

export function fmtN(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}
