// What a runner prints to stderr. On a terminal: a live line per running
// job (done/total, skipped, failed, rate, elapsed, ETA), cut to the
// terminal's width, with events printed above them. Elsewhere (a log, journald):
// one line per event with an RFC 3339 time, and the running job's counts
// every few seconds. --quiet keeps failures only; an invalid specs folder is
// reported once per change, not at every poll.
import type { JobRow } from "../db/queries/jobs.ts";
import type { Clock } from "../host.ts";
import type { RunObserver, SpoutEvent } from "../observe.ts";
import { shortReason } from "./reason.ts";

export interface TerminalOptions {
  write: (s: string) => void;
  tty: boolean;
  quiet: boolean;
  /** The terminal's width (TTY only). */
  columns?: () => number;
  clock: Clock;
  /** Off a terminal: how often a running job's counts are printed. */
  everyMs?: number;
  /** Monotonic milliseconds, for rates and how often to print (default: performance.now). */
  ticks?: () => number;
}

interface Running {
  job: JobRow;
  toProcess: number;
  t0: number;
  lastLine: number;
}

/**
 * On a terminal, one live line per running job (several, if jobs ever run
 * side by side), each cut to the terminal's width so none wraps: redrawing
 * moves the cursor up exactly that many lines. Events print above them.
 */
export function terminalObserver(o: TerminalOptions): RunObserver {
  const every = o.everyMs ?? 5000;
  const ticks = o.ticks ?? (() => performance.now());
  const running = new Map<string, Running>();
  let lastSpecError: string | null = null;
  let drawn = 0;
  let lastDraw = -Infinity;
  const stamp = () => o.clock.now().toISOString().replace(/\.\d{3}Z$/, "Z");
  /** Erases the live lines (the cursor ends at the start of the first). */
  const erase = () => (drawn ? `\r\x1b[2K${"\x1b[1A\x1b[2K".repeat(drawn - 1)}` : "");
  const live = () => {
    if (!o.tty || o.quiet || !running.size) return "";
    const width = Math.max(20, (o.columns?.() ?? 80) - 1);
    const now = ticks();
    lastDraw = now;
    return [...running.values()].map((r) => fit(liveText(r, now), width)).join("\n");
  };
  const redraw = () => {
    const text = live();
    o.write(erase() + text);
    drawn = text ? text.split("\n").length : 0;
  };
  /** An event line: above the live lines on a terminal, timestamped elsewhere. */
  const event = (text: string, failure = false) => {
    if (o.quiet && !failure) return;
    if (o.tty) {
      const rest = live();
      o.write(`${erase()}${text}\n${rest}`);
      drawn = rest ? rest.split("\n").length : 0;
    } else o.write(`${stamp()} ${text}\n`);
  };
  /** New counts of a running job: the live lines redrawn (at most every 100 ms), or a log line every `every` ms. */
  const counts = (job: JobRow) => {
    const r = running.get(job.id);
    if (!r) return;
    r.job = job;
    const now = ticks();
    if (o.tty) {
      if (now - lastDraw >= 100) redraw();
    } else if (!o.quiet && now - r.lastLine >= every) {
      r.lastLine = now;
      o.write(`${stamp()} ${liveText(r, now)}\n`);
    }
  };
  return {
    jobStarted(job, toProcess) {
      const now = ticks();
      running.set(job.id, { job, toProcess, t0: now, lastLine: now });
      event(`${job.pipeline}: job ${short(job.id)} started: ${job.total} datum${job.total === 1 ? "" : "s"}, ${toProcess} to process, ${job.skipped} to skip`);
    },
    datumFinished(job, d) {
      const r = running.get(job.id);
      if (r) r.job = job; // the failure line redraws the live line: with this datum counted
      if (d.state === "failed") event(`${job.pipeline}: datum ${short(d.id)} (${d.inputs.map((i) => i.path).join(", ")}) failed: ${d.reason ?? ""}`, true);
      counts(job);
    },
    // Once a second while a job runs: the clock and ETA move even while a long datum runs.
    jobProgress: counts,
    jobFinished(job) {
      running.delete(job.id);
      event(summary(job), job.state !== "success");
    },
    spout(e) {
      const line = spoutLine(e);
      if (line) event(line.text, line.failure);
    },
    specs(e) {
      if (e.ok) {
        if (lastSpecError !== null) event(`specs: reloaded, ${e.pipelines} pipeline${e.pipelines === 1 ? "" : "s"}`);
        lastSpecError = null;
      } else if (e.message !== lastSpecError) {
        lastSpecError = e.message;
        event(`specs: invalid, nothing changed until they are fixed:\n${e.message}`, true);
      }
    },
  };
}

function liveText(r: Running, now: number): string {
  const j = r.job;
  const done = j.processed + j.failed + j.recovered;
  const secs = (now - r.t0) / 1000;
  const rate = secs > 0 ? done / secs : 0;
  const left = r.toProcess - done;
  const eta = rate > 0 && left > 0 ? `, ETA ${clock(left / rate)}` : "";
  return `${j.pipeline}: ${done}/${r.toProcess} processed, ${j.skipped} skipped, ${j.failed} failed (${rate.toFixed(rate < 10 ? 1 : 0)}/s, ${clock(secs)}${eta})`;
}

function spoutLine(e: SpoutEvent): { text: string; failure: boolean } | null {
  switch (e.kind) {
    case "committed":
      return { text: `spout ${e.pipeline}: archive committed as ${short(e.commit)} (${e.files} file${e.files === 1 ? "" : "s"}, ${e.bytes} bytes)`, failure: false };
    case "rejected":
    case "discarded":
      return { text: `spout ${e.pipeline}: ${e.kind} archive ${e.archive}: ${e.reason}`, failure: true };
    case "exited":
      return {
        text: `spout ${e.pipeline} exited ${e.exitCode === null ? "on a signal" : `with status ${e.exitCode}`}${e.restartInMs !== null ? `; restarting in ${Math.round(e.restartInMs / 1000)} s` : ""}; see calf logs -p ${e.pipeline}`,
        failure: e.exitCode !== 0,
      };
    case "started":
      return null;
  }
}

export function summary(j: JobRow): string {
  const ms = j.finished ? Date.parse(j.finished) - Date.parse(j.started) : 0;
  const d = `${j.processed} processed, ${j.skipped} skipped, ${j.failed} failed${j.recovered ? `, ${j.recovered} recovered` : ""}`;
  return `${j.pipeline}: job ${short(j.id)} ${j.state} (${d}; ${ms} ms)${j.reason && j.state !== "success" ? `: ${shortReason(j.reason, j.id)}` : ""}`;
}

/** A line cut to `width` characters (never wraps, so redrawing never scrolls). */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Seconds as 42s, 3m05s, 1h02m. */
export function clock(secs: number): string {
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const short = (id: string) => id.slice(0, 12);

