// One job of one pipeline, as four phases over one JobContext (context.ts):
// open (the job row, so other processes see it running) -> plan (planning.ts:
// what to process, what to skip) -> execute (execute.ts: the transforms, each
// success recorded as it is durable) -> finish (finish.ts: merge into one
// output commit, or fail with no commit at all).
import { insertJob, type JobRow } from "../db/queries/jobs.ts";
import type { JobContext } from "./context.ts";
import { executeDatums } from "./execute.ts";
import { finishJob } from "./finish.ts";
import { inputCommits } from "./inputs.ts";
import { planJob } from "./planning.ts";

export async function runJob(ctx: JobContext): Promise<JobRow> {
  const { app, pipeline: p } = ctx;
  const plan = await planJob(ctx);
  const toRun = plan.items.filter((i) => i.action === "process");
  const inherited = plan.inc?.inherited ?? 0;
  const base: JobRow = {
    id: ctx.jobId, pipeline: p.name, state: "running", reason: null, started: ctx.started.toISOString(), finished: null,
    inputCommits: inputCommits(ctx.heads), outputCommit: null, fingerprint: ctx.identity.fingerprint, salt: ctx.identity.salt,
    version: p.version, total: plan.items.length + inherited, processed: 0, skipped: plan.items.length - toRun.length + inherited,
    failed: 0, recovered: 0, stats: {},
  };
  await app.db.write((tx) => insertJob(tx, base));
  ctx.observer.jobStarted?.(base, toRun.length);
  const executed = await executeDatums(ctx, toRun, base);
  const result = await finishJob(ctx, plan, executed, base);
  ctx.observer.jobFinished?.(result);
  return result;
}
