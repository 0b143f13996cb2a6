// `npm run bench`: calf against a bash loop, xargs -P2, make -j2 and
// Snakemake -j2 on the same per-file work, plus ingest, planning, start-up and
// spout figures; prints a Markdown table and writes bench/RESULTS.md. Works in
// bench/work/ (gitignored, removed afterwards). Not part of `npm test`.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, SECTIONS, USAGE, UsageError, type Options, type Section } from "./args.ts";
import { cleanBig, noop100k, plan100k } from "./big.ts";
import { Budget } from "./budget.ts";
import { BenchAssertion } from "./check.ts";
import { log, type Context } from "./context.ts";
import { freshDir } from "./files.ts";
import { ingest } from "./ingest.ts";
import { describeMachine, probeSandbox } from "./machine.ts";
import { which } from "./measure.ts";
import { render } from "./report.ts";
import { Results } from "./results.ts";
import { RSS_TOOL } from "./rss.ts";
import { serve } from "./serve.ts";
import { spout } from "./spout.ts";
import { startup } from "./startup.ts";
import { workloads } from "./workloads.ts";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);

const RUNNERS: Record<Section, (ctx: Context) => void | Promise<void>> = {
  startup,
  ingest,
  spout,
  serve,
  plan100k,
  noop100k,
  workloads,
};

async function main(opts: Options): Promise<number> {
  const calf = path.resolve(opts.calf ?? path.join(ROOT, "dist", "calf"));
  if (!fs.existsSync(calf)) {
    process.stderr.write(`bench: calf binary "${calf}" not found\nhint: build it with: npx bun run build.ts\n`);
    return 2;
  }
  const work = freshDir(path.join(BENCH, "work"));
  const budget = new Budget(opts.quick ? 0 : opts.budgetSec * 1000);
  const results = new Results();
  const ctx: Context = {
    calf,
    work,
    quick: opts.quick,
    runs: opts.runs,
    budget,
    results,
    snakemakeMax: opts.snakemakeMax,
    hasSnakemake: which("snakemake") !== null,
    perFile100k: opts.perFile100k,
  };
  const env = process.env.CALF_SANDBOX;
  const sandbox = `${probeSandbox(calf, path.join(work, "probe"))} (CALF_SANDBOX=${env ?? "unset, so auto"})`;
  log(`calf ${calf}; sandbox used: ${sandbox}`);
  const machine = describeMachine(calf, RSS_TOOL);
  let assertion: BenchAssertion | null = null;
  try {
    for (const name of opts.only ?? SECTIONS) {
      log(`== ${name} (${Math.round(budget.elapsedMs() / 1000)} s elapsed)`);
      try {
        await RUNNERS[name](ctx);
      } catch (err) {
        if (err instanceof BenchAssertion) throw err;
        const msg = (err as Error).message.split("\n")[0]!;
        results.failures.push(`${name}: ${msg}`);
        log(`${name} failed: ${msg}`);
      }
    }
  } catch (err) {
    assertion = err as BenchAssertion;
  } finally {
    cleanBig(ctx);
    if (!opts.keep) fs.rmSync(work, { recursive: true, force: true });
  }
  const md = render(
    { mode: opts.quick ? "--quick" : opts.only ? `--only ${opts.only.join(",")}` : "full run", sandbox, elapsedMs: budget.elapsedMs(), runs: opts.runs, budgetMs: budget.limitMs },
    machine,
    results,
  );
  process.stdout.write(md);
  if (assertion) {
    process.stderr.write(`\nbench: WRONG RESULT, suite stopped: ${assertion.message}\n`);
    return 1;
  }
  const out = opts.out ?? (opts.quick || opts.only ? null : path.join(BENCH, "RESULTS.md"));
  if (out) {
    fs.writeFileSync(out, md);
    log(`wrote ${out}`);
  }
  if (!opts.quick && budget.limitMs > 0 && budget.elapsedMs() > 15 * 60_000) log(`warning: the suite took longer than 15 minutes`);
  return results.failures.length ? 1 : 0;
}

let opts: Options;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
process.exit(await main(opts));
