// Command-line flags of `bun run bench/run.ts`. Pure: argv in, options out.

// Run order: the main workloads last, so the time budget (which only ever
// drops repeat rounds) trims their rounds rather than starving fixed setups.
export const SECTIONS = ["startup", "ingest", "plan100k", "noop100k", "spout", "serve", "workloads"] as const;
export type Section = (typeof SECTIONS)[number];

export interface Options {
  quick: boolean;
  only: Section[] | null;
  runs: number;
  budgetSec: number;
  snakemakeMax: number;
  perFile100k: boolean;
  keep: boolean;
  calf: string | null;
  out: string | null;
  help: boolean;
}

export const USAGE = `usage: bun run bench/run.ts [flags]   (npm run bench -- [flags])

  --quick              N = 1k everywhere, 1 run, a 25 MiB spout: a smoke test (about 2 min)
  --only NAME[,NAME]   run only these sections: ${SECTIONS.join(", ")}
  --runs N             rounds per figure (default 3; --quick: 1)
  --budget SEC         stop repeating rounds once the suite would pass SEC seconds
                       (default 780 = 13 min, which keeps a full run under 15 min; 0 = no budget;
                       every figure still gets one round, and a cut figure is marked n=k*)
  --snakemake-max N    largest N Snakemake runs at (default 1000; at 10k it takes minutes per run)
  --per-file-100k      no-op at 100k with the per-file pipeline (needs a 100k-datum cold run first)
  --calf PATH          binary under test (default dist/calf)
  --out FILE           where to write the Markdown table (default bench/RESULTS.md for a full
                       run; --quick and --only print it and write only with --out)
  --keep               keep bench/work/ afterwards`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function int(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} needs an integer ≥ ${min}, got "${v ?? ""}"`);
  return n;
}

export function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, only: null, runs: 3, budgetSec: 780, snakemakeMax: 1000, perFile100k: false, keep: false, calf: null, out: null, help: false };
  let runsSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => argv[++i];
    if (a === "--quick") o.quick = true;
    else if (a === "--only") {
      const names = (next() ?? "").split(",").filter(Boolean);
      for (const n of names) {
        if (!(SECTIONS as readonly string[]).includes(n)) throw new UsageError(`--only "${n}" is not a section; use one of ${SECTIONS.join(", ")}`);
      }
      if (!names.length) throw new UsageError(`--only needs a section name: ${SECTIONS.join(", ")}`);
      o.only = names as Section[];
    } else if (a === "--runs") {
      o.runs = int(a, next(), 1);
      runsSet = true;
    } else if (a === "--budget") o.budgetSec = int(a, next(), 0);
    else if (a === "--snakemake-max") o.snakemakeMax = int(a, next(), 0);
    else if (a === "--per-file-100k") o.perFile100k = true;
    else if (a === "--keep") o.keep = true;
    else if (a === "--calf") o.calf = next() ?? "";
    else if (a === "--out") o.out = next() ?? "";
    else if (a === "--help" || a === "-h") o.help = true;
    else throw new UsageError(`unknown flag "${a}" (see --help)`);
  }
  if (o.quick && !runsSet) o.runs = 1;
  return o;
}
