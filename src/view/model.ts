// The view model: pipelines, repos and jobs (SPEC §2.3 JSON) in; the DAG with
// per-pipeline states, job timelines and a running job's progress out. Pure.
// modelKit() closes over nothing: the page ships it to the browser as its
// source text (page.ts), so it may use no import but types and no outer value.
import type { JobJson, PipelineJson, RepoJson } from "./types.ts";

/** What the page colours a pipeline by: SPEC's states, with `running` split by its jobs. */
export type ViewState = "running" | "success" | "failing" | "paused" | "inactive" | "idle";

export interface DagNode {
  /** `repo:NAME` or `pipeline:NAME` (a pipeline and its output repo share a name). */
  id: string;
  kind: "repo" | "pipeline";
  name: string;
  /** Pipelines: the state to colour by. */
  state?: ViewState;
  /** Pipelines: a spout (no input). */
  spout?: boolean;
  /** Repos: written by a pipeline (its output), by a cron input, or by users. */
  source?: "pipeline" | "cron" | "user";
  /** Cron repos: the schedule. */
  cronSpec?: string;
}

export interface DagEdge {
  from: string;
  to: string;
}

export interface Dag {
  nodes: DagNode[];
  edges: DagEdge[];
}

export interface TimelineRow {
  job: JobJson;
  /** Finished: finished - started; running: now - started. */
  durationMs: number;
  /** Bar length, 0..100, relative to the longest job shown (at least 2 so a bar shows). */
  widthPct: number;
  running: boolean;
}

export interface ProgressSample {
  /** Milliseconds since the epoch. */
  t: number;
  done: number;
}

export interface Progress {
  done: number;
  total: number;
  /** 0..100; 0 while total is unknown. */
  pct: number;
  /** Datums per second, or null when it cannot be told yet. */
  rate: number | null;
  /** Milliseconds left at that rate, or null. */
  etaMs: number | null;
}

export function modelKit() {
  const RUNNING_JOB = ["created", "running"];
  // A killed job (runner died, job_timeout) is redone, but someone should look at it.
  const FAILED_JOB = ["failure", "unrunnable", "killed"];
  /** Progress samples older than this do not count towards the rate. */
  const RATE_WINDOW_MS = 60_000;

  /**
   * The colour of a pipeline: paused and inactive first; then its newest job
   * (fresher than the pipeline's own state when events came since it was read).
   */
  function viewState(p: PipelineJson, latest: JobJson | undefined): ViewState {
    if (p.state === "inactive") return "inactive";
    if (p.state === "paused") return "paused";
    if (latest && RUNNING_JOB.includes(latest.state)) return "running";
    if (latest && FAILED_JOB.includes(latest.state)) return "failing";
    if (latest && latest.state === "success") return "success";
    return p.state === "failing" ? "failing" : "idle";
  }

  /**
   * The DAG: every repo (those listed and those pipelines name), every
   * pipeline, an edge from each input repo to its pipeline and from each
   * pipeline to its output repo. `latest` gives a pipeline's newest job.
   * Nodes come sorted: repos then pipelines, by name.
   */
  function buildDag(pipelines: PipelineJson[], repos: RepoJson[], latest: (pipeline: string) => JobJson | undefined = () => undefined): Dag {
    const repoNodes = new Map<string, DagNode>();
    const repo = (name: string) => {
      let n = repoNodes.get(name);
      if (!n) repoNodes.set(name, (n = { id: `repo:${name}`, kind: "repo", name, source: "user" }));
      return n;
    };
    for (const r of repos) repo(r.name);
    const edges: DagEdge[] = [];
    const pipeNodes: DagNode[] = [];
    for (const p of pipelines) {
      const id = `pipeline:${p.name}`;
      const node: DagNode = { id, kind: "pipeline", name: p.name, state: viewState(p, latest(p.name)) };
      if (p.spout || (p.spout === undefined && p.inputs.length === 0)) node.spout = true;
      pipeNodes.push(node);
      for (const c of p.cron ?? []) {
        const r = repo(c.repo);
        r.source = "cron";
        r.cronSpec = c.spec;
      }
      for (const name of p.inputs) edges.push({ from: repo(name).id, to: id });
      const out = repo(p.output_repo);
      if (out.source !== "cron") out.source = "pipeline";
      edges.push({ from: id, to: out.id });
    }
    const byName = (a: DagNode, b: DagNode) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const nodes = [...[...repoNodes.values()].sort(byName), ...pipeNodes.sort(byName)];
    const key = (e: DagEdge) => `${e.from}\u0000${e.to}`;
    const seen = new Set<string>();
    const unique = edges.filter((e) => !seen.has(key(e)) && (seen.add(key(e)), true));
    unique.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    return { nodes, edges: unique };
  }

  const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

  /** How long a job took (finished) or has been running (at `now`), in ms; never negative. */
  function jobDuration(job: JobJson, now: number): number {
    const end = job.finished ? ms(job.finished) : now;
    const d = end - ms(job.started);
    return Number.isFinite(d) && d > 0 ? d : 0;
  }

  /** The newest `limit` jobs (newest first) as bars scaled to the longest of them. */
  function timeline(jobs: JobJson[], now: number, limit = 8): TimelineRow[] {
    const shown = [...jobs].sort((a, b) => ms(b.started) - ms(a.started) || (a.id < b.id ? 1 : -1)).slice(0, limit);
    const durations = shown.map((j) => jobDuration(j, now));
    const longest = Math.max(1, ...durations);
    return shown.map((job, i) => ({
      job,
      durationMs: durations[i]!,
      widthPct: Math.max(2, Math.round((durations[i]! / longest) * 100)),
      running: RUNNING_JOB.includes(job.state),
    }));
  }

  /** Datums of a job that have an outcome. */
  const doneOf = (j: JobJson) => j.datums.processed + j.datums.skipped + j.datums.failed + j.datums.recovered;

  /**
   * A running job's progress: done/total, and a rate and ETA from the samples
   * the page took as events came (the oldest within the last minute against
   * now's count); from the job's start when there are too few samples.
   * Skipped datums are reused, not run, so they do not count towards the rate.
   */
  function progress(job: JobJson, samples: ProgressSample[], now: number): Progress {
    const done = doneOf(job);
    const total = Math.max(job.datums.total, done);
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    const worked = done - job.datums.skipped;
    let rate: number | null = null;
    const recent = samples.filter((s) => now - s.t <= RATE_WINDOW_MS && s.t < now);
    const oldest = recent[0];
    if (oldest && now - oldest.t >= 1000 && done > oldest.done) rate = ((done - oldest.done) / (now - oldest.t)) * 1000;
    else {
      const elapsed = now - ms(job.started);
      if (elapsed >= 1000 && worked > 0) rate = (worked / elapsed) * 1000;
    }
    const left = total - done;
    const etaMs = rate && rate > 0 && total > 0 ? Math.round((left / rate) * 1000) : left === 0 && total > 0 ? 0 : null;
    return { done, total, pct, rate, etaMs };
  }

  /** Samples with the job's count at `now` added (one per count change), the last minute kept. */
  function addSample(samples: ProgressSample[], job: JobJson, now: number): ProgressSample[] {
    const done = doneOf(job);
    const last = samples[samples.length - 1];
    const kept = samples.filter((s) => now - s.t <= RATE_WINDOW_MS);
    if (last && last.done === done) return kept;
    return [...kept, { t: now, done }];
  }

  /** `jobs` (newest first) with `job` put in place of the job with its id, or added; at most `limit` kept. */
  function upsertJob(jobs: JobJson[], job: JobJson, limit = 20): JobJson[] {
    const rest = jobs.filter((j) => j.id !== job.id);
    const all = [job, ...rest].sort((a, b) => ms(b.started) - ms(a.started) || (a.id < b.id ? 1 : -1));
    return all.slice(0, limit);
  }

  return { viewState, buildDag, jobDuration, timeline, progress, addSample, upsertJob, doneOf };
}

export type ModelKit = ReturnType<typeof modelKit>;
