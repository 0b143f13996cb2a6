// What a runner tells whoever watches it: the terminal (progress.ts), the
// operator's log lines, the HTTP API's event stream and metrics (api/). Every
// method is optional; fanOut() lets several watch one runner.
import type { DatumRow, JobRow } from "./db/queries/jobs.ts";
import type { CommitInfo } from "./db/queries/commits.ts";

export type SpoutEvent =
  | { kind: "started"; pipeline: string }
  | { kind: "committed"; pipeline: string; commit: string; files: number; bytes: number }
  | { kind: "rejected" | "discarded"; pipeline: string; archive: number; reason: string }
  | { kind: "exited"; pipeline: string; exitCode: number | null; restartInMs: number | null };

export interface RunObserver {
  /** A job began: its row as other processes now see it (total and known skips filled in). */
  jobStarted?(job: JobRow, toProcess: number): void;
  /** A datum ended; `job` holds the counts so far. */
  datumFinished?(job: JobRow, datum: DatumRow): void;
  /** At most once a second while a job runs, with its counts (as written to the database). */
  jobProgress?(job: JobRow): void;
  jobFinished?(job: JobRow): void;
  /** A commit the runner made (a job's output, a spout's archive, a cron tick). */
  committed?(commit: CommitInfo): void;
  spout?(e: SpoutEvent): void;
  /** The pipelines folder was read: in sync (`pipelines` of them), or invalid (the error, once per change). */
  specs?(e: { ok: true; pipelines: number } | { ok: false; message: string }): void;
}

/** One observer that tells each of `obs`, in order. */
export function fanOut(...obs: RunObserver[]): RunObserver {
  const each = <K extends keyof RunObserver>(k: K) => (...args: Parameters<NonNullable<RunObserver[K]>>) => {
    for (const o of obs) (o[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
  };
  return {
    jobStarted: each("jobStarted"), datumFinished: each("datumFinished"), jobProgress: each("jobProgress"),
    jobFinished: each("jobFinished"), committed: each("committed"), spout: each("spout"), specs: each("specs"),
  };
}
