// `run --once`: sync the specs folder, recover from a dead runner, then run
// every due job in DAG order; downstream of a failed job becomes unrunnable.
import * as path from "node:path";
import type { App } from "../app.ts";
import { insertJob, killOrphans, lastJob, type JobRow } from "../db/queries/jobs.ts";
import { bumpReprocess, getPipeline, setForceDue, type PipelineRow } from "../db/queries/pipelines.ts";
import { notFound } from "../errors.ts";
import { newId } from "../repo/repos.ts";
import { topoOrder } from "../spec/graph.ts";
import { suggest } from "../spec/suggest.ts";
import { fingerprint, heads, inputCommits, inputRepos, ready } from "./inputs.ts";
import { runJob, saltFor, type Progress } from "./job.ts";
import { chooseSandbox, type SandboxPlan } from "./probe.ts";
import { syncPipelines } from "./sync.ts";
import { fireDueTicks, registerCronInputs } from "../cron/ticker.ts";

export interface RunOptions {
  names: string[];
  reprocess: boolean;
  parallelism?: number;
  progress: Progress;
  signal?: AbortSignal;
}

export interface RunResult {
  jobs: JobRow[];
  failed: boolean;
}

export async function runOnce(app: App, opts: RunOptions): Promise<RunResult> {
  const specs = await syncPipelines(app);
  await killOrphans(app.db, app.now().toISOString());
  const all = specs.map((s) => s.name);
  for (const n of opts.names) {
    if (!all.includes(n)) {
      const close = suggest(n, all);
      throw notFound(`pipeline "${n}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
    }
  }
  const selected = new Set(opts.names.length ? opts.names : all);
  if (opts.reprocess) for (const n of selected) await bumpReprocess(app.db, n);
  await registerCronInputs(app, specs);
  for (const s of specs) if (selected.has(s.name)) await fireDueTicks(app, s, app.now());
  const keep = [path.dirname(app.settings.pipelinesDir), ...specs.map((s) => s.transform.workingDir)];
  let sandbox: SandboxPlan | null | undefined;
  const failedRepos = new Set<string>();
  const jobs: JobRow[] = [];
  for (const name of topoOrder(specs)) {
    if (opts.signal?.aborted) break;
    if (!selected.has(name)) continue;
    const p = (await getPipeline(app.db, name))!;
    if (p.paused || p.spec.spout) continue;
    const job = await runIfDue(app, p, opts, failedRepos, async () => (sandbox === undefined ? (sandbox = await chooseSandbox(app.rt, process.env.CALF_SANDBOX, keep)) : sandbox));
    if (!job) continue;
    jobs.push(job);
    if (job.state !== "success") failedRepos.add(name);
  }
  return { jobs, failed: jobs.some((j) => j.state !== "success") };
}

async function runIfDue(app: App, p: PipelineRow, opts: RunOptions, failedRepos: Set<string>, sandbox: () => Promise<SandboxPlan | null>): Promise<JobRow | null> {
  const sha256 = (s: string) => app.rt.sha256(s);
  const hs = await heads(app.repos, p.spec.input);
  if (!ready(hs)) return null;
  const salt = saltFor(app, p);
  const fp = fingerprint(hs, salt, sha256);
  if (!p.forceDue && (await lastJob(app.db, p.name, ["success", "failure"], fp))) return null;
  if (p.forceDue) await setForceDue(app.db, p.name, false);
  const upstreamFailed = inputRepos(p.spec.input).filter((r) => failedRepos.has(r));
  if (upstreamFailed.length) {
    const now = app.now().toISOString();
    const job: JobRow = {
      id: newId(), pipeline: p.name, state: "unrunnable", reason: `upstream pipeline ${upstreamFailed.map((r) => `"${r}"`).join(", ")} failed`,
      started: now, finished: now, inputCommits: inputCommits(hs), outputCommit: null, fingerprint: fp, salt, version: p.version,
      total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0, stats: {},
    };
    await app.db.write((tx) => insertJob(tx, job));
    opts.progress.finish(job);
    return job;
  }
  return runJob(app, p, { reprocess: opts.reprocess, parallelism: opts.parallelism, sandbox: await sandbox(), progress: opts.progress, signal: opts.signal });
}

/**
 * `run` without --once: the daemon loop minus the HTTP API. Re-syncs the specs
 * folder, fires cron ticks and runs due jobs every `pollMs` until `signal`
 * aborts; a spec error is reported and retried (the folder may be mid-edit).
 */
export async function runForever(app: App, opts: RunOptions & { signal: AbortSignal; pollMs?: number; onError: (err: unknown) => void }): Promise<void> {
  let reprocess = opts.reprocess;
  while (!opts.signal.aborted) {
    try {
      await runOnce(app, { ...opts, reprocess });
      reprocess = false;
    } catch (err) {
      opts.onError(err);
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, opts.pollMs ?? 1000);
      opts.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  }
}
