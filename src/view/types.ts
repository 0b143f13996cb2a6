// The JSON the status page, `calf report` and `calf dag` read: SPEC §2.3's
// shapes as the HTTP API serves them (§7), plus the optional extras the page
// shows when the API sends them (spouts, cron inputs, job timings). Types only.

export type PipelineState = "running" | "paused" | "failing" | "inactive";
export type JobState = "created" | "running" | "success" | "failure" | "killed" | "unrunnable";
export type DatumState = "success" | "skipped" | "failed" | "recovered";

export interface RepoJson {
  name: string;
  description: string;
  size_bytes: number;
  head: string | null;
  created: string;
}

export interface CommitJson {
  id: string;
  repo: string;
  branch: string;
  parent: string | null;
  origin: "user" | "job" | "spout" | "cron";
  started: string;
  finished: string | null;
  size_bytes: number;
  provenance: { repo: string; commit: string }[];
  job: string | null;
}

/** An entry of a listing; a dir's path ends with `/`. */
export interface FileJson {
  path: string;
  type: "file" | "dir";
  size_bytes: number;
  hash: string;
}

/** A spout's life so far (extra: absent when the API does not know it). */
export interface SpoutJson {
  /** When the last archive was committed (RFC 3339), or null before the first. */
  last_archive: string | null;
  /** Archives committed since the runner started. */
  archives?: number;
  /** Archives refused (hostile entries) or cut short, since the runner started (only a runner knows). */
  rejected_archives?: number;
  /** Times the spout process was restarted since the runner started (only a runner knows). */
  restarts?: number;
}

/** One cron input of a pipeline (extra). */
export interface CronJson {
  name: string;
  repo: string;
  spec: string;
  /** The newest tick committed (RFC 3339), or null. */
  last_tick: string | null;
  /** The schedule's next instant after the last tick (after the start when none); may be past when calf is not running. */
  next_tick: string | null;
}

export interface PipelineJson {
  name: string;
  state: PipelineState;
  version: number;
  spec_file: string;
  inputs: string[];
  output_repo: string;
  last_job: string | null;
  /** Extra: set on a spout pipeline (null or absent otherwise). */
  spout?: SpoutJson | null;
  /** Extra: the pipeline's cron inputs. */
  cron?: CronJson[];
}

export interface DatumCounts {
  total: number;
  processed: number;
  skipped: number;
  failed: number;
  recovered: number;
}

export interface JobJson {
  id: string;
  pipeline: string;
  state: JobState;
  reason: string | null;
  started: string;
  finished: string | null;
  input_commits: { repo: string; commit: string }[];
  output_commit: string | null;
  /**
   * While a job runs: `total` is every datum it holds (known when planning
   * ends, 0 before), `skipped` those it reuses, and processed/failed/recovered
   * count up as datums finish. Once finished, total = the sum of the others.
   */
  datums: DatumCounts;
  /** Datums each remote `calf worker` ran (serve with workers); {} or absent when serve ran them all. */
  workers?: Record<string, number>;
  /** Extras of `inspect job`: wall time and per-stage timings, whole milliseconds. */
  duration_ms?: number | null;
  stats?: Record<string, number>;
}

export interface DatumJson {
  id: string;
  job: string;
  state: DatumState;
  inputs: { name: string; repo: string; commit: string; path: string }[];
  duration_ms: number;
  tries: number;
  reason: string | null;
  /** The remote worker that ran it; null or absent: serve itself. */
  worker?: string | null;
}

/** One line of a transform's log, as `calf logs -o json` prints it (null job/datum: a spout's line). */
export interface LogLineJson {
  time: string | null;
  pipeline: string;
  job: string | null;
  datum: string | null;
  attempt: string;
  stream: string;
  text: string;
}

/** A failed datum with the tail of its log (null: not fetched yet). */
export interface Failure {
  datum: DatumJson;
  log: LogLineJson[] | null;
}
