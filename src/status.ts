// What the views read, collected from an open data dir as SPEC §2.3 JSON:
// pipelines with their spout/cron extras, a job with its timings, failed
// datums with their log tails, and all of `calf report`'s data. Reads only.
import type { App } from "./app.ts";
import { lastTick, startOf, cronInputs } from "./run/ticks.ts";
import { nextAfter, parseSchedule } from "./cron/schedule.ts";
import { lastJob, listDatums, listJobs, type JobRow } from "./db/queries/jobs.ts";
import { listPipelines, type PipelineRow } from "./db/queries/pipelines.ts";
import { listLogFiles, tailLines } from "./transform/logfiles.ts";
import type { PipelineSpec } from "./spec/types.ts";
import { inputRepos } from "./plan/input.ts";
import type { ReportData } from "./view/page.ts";
import type { CronJson, Failure, JobJson, LogLineJson, PipelineJson } from "./view/types.ts";
import { versionLine } from "./version.ts";
import { datumJson, jobJson, pipelineJson, repoJson } from "./shapes.ts";

/** The job states `list pipeline` takes a pipeline's last job from. */
export const LAST_JOB_STATES: JobRow["state"][] = ["success", "failure", "killed", "unrunnable", "running"];

/** A job as `inspect job -o json` shows it: §2.3 plus duration and per-stage timings. */
export function jobDetailJson(j: JobRow): JobJson {
  const duration = j.finished ? Date.parse(j.finished) - Date.parse(j.started) : null;
  return { ...jobJson(j), duration_ms: duration, stats: Object.fromEntries(Object.entries(j.stats).map(([k, v]) => [k, Math.round(v)])) };
}

/** A pipeline of the specs folder that has no row yet: active, no jobs. */
export function specPipelineJson(spec: PipelineSpec): PipelineJson {
  return {
    name: spec.name, state: "running", version: 1, spec_file: spec.file, inputs: inputRepos(spec.input), output_repo: spec.name, last_job: null,
    spout: spec.spout ? { last_archive: null } : null,
    cron: cronInputs(spec.input).map((c) => ({ name: c.name, repo: c.repo, spec: c.spec, last_tick: null, next_tick: null })),
  };
}

async function cronJson(app: App, row: PipelineRow): Promise<CronJson[]> {
  const out: CronJson[] = [];
  for (const c of cronInputs(row.spec.input)) {
    const last = await lastTick(app, c.repo);
    const start = await startOf(app, row.name, c);
    let next: string | null = null;
    try {
      next = nextAfter(parseSchedule(c.spec), last ?? start, start).toISOString();
    } catch {
      next = null; // a spec that no longer parses: lint says why
    }
    out.push({ name: c.name, repo: c.repo, spec: c.spec, last_tick: last?.toISOString() ?? null, next_tick: next });
  }
  return out;
}

/** A pipeline row as §2.3 JSON, with the extras the data dir can tell (spout: last archive; cron: ticks). */
export async function pipelineViewJson(app: App, row: PipelineRow): Promise<PipelineJson> {
  const base: PipelineJson = pipelineJson(row, await lastJob(app.db, row.name, LAST_JOB_STATES));
  if (row.spec.spout) {
    const head = (await app.repos.findRepo(row.name)) ? await app.repos.branchHead(row.name, row.spec.outputBranch) : null;
    base.spout = { last_archive: head && head.origin === "spout" ? head.finished ?? head.started : null };
  } else base.spout = null;
  base.cron = await cronJson(app, row);
  return base;
}

export async function pipelineViews(app: App): Promise<PipelineJson[]> {
  const out: PipelineJson[] = [];
  for (const row of await listPipelines(app.db)) out.push(await pipelineViewJson(app, row));
  return out;
}

/** The last `n` lines of a datum's newest log file (its last attempt, or err_cmd). */
export function datumLogTail(dataDir: string, pipeline: string, job: string, datum: string, n = 20): LogLineJson[] {
  const files = listLogFiles(dataDir, { pipeline, job, datum }).filter((f) => f.datum === datum);
  const last = files.at(-1);
  if (!last) return [];
  return tailLines(last, n).map((l) => ({ time: l.time || null, pipeline: l.pipeline, job: l.job, datum: l.datum, attempt: l.attempt, stream: l.stream, text: l.text }));
}

/** A job's failed datums (at most `limit`), each with its log tail. */
export async function jobFailures(app: App, job: JobRow, limit = 20): Promise<Failure[]> {
  if (job.failed === 0) return [];
  const failed = (await listDatums(app.db, job.id)).filter((d) => d.state === "failed").slice(0, limit);
  return failed.map((d) => ({ datum: datumJson(d), log: datumLogTail(app.settings.dataDir, job.pipeline, job.id, d.id) }));
}

/** Everything `calf report` shows: `job`, or the newest job of every pipeline when null. */
export async function collectReport(app: App, job: JobRow | null, history = 8): Promise<ReportData> {
  const pipelines = await pipelineViews(app);
  const repos = (await app.repos.listRepos()).map(repoJson);
  const hist: Record<string, JobJson[]> = {};
  const newest: JobRow[] = [];
  for (const p of pipelines) {
    const rows = await listJobs(app.db, { pipeline: p.name, limit: history });
    hist[p.name] = rows.map(jobJson);
    if (rows[0]) newest.push(rows[0]);
  }
  const reported = job ? [job] : newest;
  const jobs = [];
  for (const j of reported) jobs.push({ job: jobDetailJson(j), failures: await jobFailures(app, j) });
  return { generated: app.now().toISOString(), version: versionLine(), pipelines, repos, history: hist, jobs, focus: job?.id ?? null };
}
