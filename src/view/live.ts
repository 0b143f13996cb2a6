// A runner's Progress (run/job.ts) turned into the page's `job` events
// (events.ts): what `calf serve` hands its scheduler so the status page shows
// a running job's counts live. No I/O: events go to `emit`, the clock is passed in.
import type { JobRow } from "../db/queries/jobs.ts";
import type { Progress } from "../run/job.ts";
import { jobJson } from "../cli/json.ts";
import type { ViewEvent } from "./events.ts";
import type { JobJson } from "./types.ts";

export interface LiveOptions {
  now: () => Date;
  /** At most one progress event per job this often (the start and the end always go out). */
  minIntervalMs?: number;
  /** Progress calls to pass on as well (the CLI's progress line, say). */
  also?: Progress;
}

/**
 * A Progress that emits `{type: "job"}` events: a running job at start (total
 * and skipped known: the job has planned by then), as datums finish, and the
 * finished job's row. While running, `started` is when the job reported its
 * start and `input_commits` is empty; the finished event carries the row's.
 */
export function progressEvents(emit: (ev: ViewEvent) => void, opts: LiveOptions): Progress {
  const every = opts.minIntervalMs ?? 250;
  const running = new Map<string, { job: JobJson; last: number }>();
  const current = new Map<string, string>(); // pipeline -> job id
  return {
    start(pipeline, jobId, total, toProcess) {
      opts.also?.start(pipeline, jobId, total, toProcess);
      const job: JobJson = {
        id: jobId, pipeline, state: "running", reason: null, started: opts.now().toISOString(), finished: null,
        input_commits: [], output_commit: null,
        datums: { total, processed: 0, skipped: total - toProcess, failed: 0, recovered: 0 },
      };
      running.set(jobId, { job, last: opts.now().getTime() });
      current.set(pipeline, jobId);
      emit({ type: "job", job: structuredClone(job) });
    },
    datum(pipeline, state) {
      opts.also?.datum(pipeline, state);
      const id = current.get(pipeline);
      const r = id === undefined ? undefined : running.get(id);
      if (!r) return;
      if (state === "success") r.job.datums.processed++;
      else if (state === "failed") r.job.datums.failed++;
      else if (state === "recovered") r.job.datums.recovered++;
      const now = opts.now().getTime();
      if (now - r.last < every) return;
      r.last = now;
      emit({ type: "job", job: structuredClone(r.job) });
    },
    finish(row: JobRow) {
      opts.also?.finish(row);
      running.delete(row.id);
      if (current.get(row.pipeline) === row.id) current.delete(row.pipeline);
      emit({ type: "job", job: jobJson(row) });
    },
  };
}
