// Progress of `run`: on a TTY one live line per running job (datums done/total,
// skipped, failed, rate); otherwise one plain line per finished job.
import type { JobRow } from "../db/queries/jobs.ts";
import type { Progress } from "./context.ts";
import { shortReason } from "./reason.ts";

export function makeProgress(write: (s: string) => void, tty: boolean, quiet: boolean): Progress {
  let cur: { pipeline: string; job: string; total: number; todo: number; done: number; failed: number; t0: number; last: number } | null = null;
  const line = () => {
    if (!cur) return;
    const secs = (performance.now() - cur.t0) / 1000;
    const rate = secs > 0 ? (cur.done / secs).toFixed(0) : "0";
    write(`\r\x1b[2K${cur.pipeline}: ${cur.done}/${cur.todo} datums processed, ${cur.total - cur.todo} skipped, ${cur.failed} failed (${rate}/s)`);
  };
  return {
    start(pipeline, job, total, todo) {
      cur = { pipeline, job, total, todo, done: 0, failed: 0, t0: performance.now(), last: 0 };
      if (tty && !quiet) line();
    },
    datum(_p, state) {
      if (!cur) return;
      cur.done++;
      if (state === "failed") cur.failed++;
      const now = performance.now();
      if (tty && !quiet && now - cur.last > 100) {
        cur.last = now;
        line();
      }
    },
    finish(job: JobRow) {
      if (quiet) return;
      if (tty) write("\r\x1b[2K");
      write(`${summary(job)}\n`);
      cur = null;
    },
  };
}

export function summary(j: JobRow): string {
  const ms = j.finished ? Date.parse(j.finished) - Date.parse(j.started) : 0;
  const d = `${j.processed} processed, ${j.skipped} skipped, ${j.failed} failed${j.recovered ? `, ${j.recovered} recovered` : ""}`;
  return `${j.pipeline}: job ${j.id.slice(0, 12)} ${j.state} (${d}; ${ms} ms)${j.reason && j.state !== "success" ? `: ${shortReason(j.reason, j.id)}` : ""}`;
}
