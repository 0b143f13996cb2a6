// `GET /metrics` (SPEC §7): Prometheus text, names prefixed `calf_`. Counters
// and the datum-duration histogram come from what the runner tells its
// observers since this serve started; jobs by state and each pipeline's last
// successful job come from the database at each scrape.
import type { Db } from "../db/client.ts";
import { jobStateCounts, lastSuccessTimes } from "../db/queries/jobs.ts";
import type { RunObserver, SpoutEvent } from "../observe.ts";

/** Datum duration buckets (seconds): a fork/exec up to an hour. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

interface Histogram {
  counts: number[];
  sum: number;
  n: number;
}

export interface SpoutCounts {
  archives: number;
  rejected: number;
  restarts: number;
  bytes: number;
  lastArchive: string | null;
}

export class Metrics implements RunObserver {
  #datums = new Map<string, number>(); // "pipeline\0state" -> count
  #durations = new Map<string, Histogram>();
  readonly spouts = new Map<string, SpoutCounts>();
  /** Pipelines due and waiting (set by the runner at each pass). */
  queueDepth = 0;

  constructor(private readonly now: () => Date) {}

  datumFinished: NonNullable<RunObserver["datumFinished"]> = (job, d) => {
    const key = `${job.pipeline}\0${d.state}`;
    this.#datums.set(key, (this.#datums.get(key) ?? 0) + 1);
    let h = this.#durations.get(job.pipeline);
    if (!h) this.#durations.set(job.pipeline, (h = { counts: BUCKETS.map(() => 0), sum: 0, n: 0 }));
    const secs = d.durationMs / 1000;
    BUCKETS.forEach((b, i) => {
      if (secs <= b) h!.counts[i]!++;
    });
    h.sum += secs;
    h.n++;
  };

  jobStarted: NonNullable<RunObserver["jobStarted"]> = (job) => {
    // Skipped datums are known at the start: count them once, as the job lists them.
    if (job.skipped) {
      const key = `${job.pipeline}\0skipped`;
      this.#datums.set(key, (this.#datums.get(key) ?? 0) + job.skipped);
    }
  };

  spout = (e: SpoutEvent): void => {
    let s = this.spouts.get(e.pipeline);
    if (!s) this.spouts.set(e.pipeline, (s = { archives: 0, rejected: 0, restarts: 0, bytes: 0, lastArchive: null }));
    if (e.kind === "committed") {
      s.archives++;
      s.bytes += e.bytes;
      s.lastArchive = this.now().toISOString();
    } else if (e.kind === "rejected" || e.kind === "discarded") s.rejected++;
    else if (e.kind === "exited" && e.restartInMs !== null) s.restarts++;
  };

  /** The exposition text: this serve's counters, and the database's gauges now. */
  async render(db: Db): Promise<string> {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [Record<string, string>, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) out.push(`${name}${fmtLabels(labels)} ${Number.isFinite(v) ? v : 0}`);
    };
    metric("calf_jobs", "gauge", "Jobs in the database by state.", (await jobStateCounts(db)).map(([state, n]) => [{ state }, n]));
    metric("calf_datums_total", "counter", "Datums of jobs run by this serve, by pipeline and outcome.", [...this.#datums].map(([k, n]) => {
      const [pipeline, state] = k.split("\0");
      return [{ pipeline: pipeline!, state: state! }, n];
    }));
    out.push("# HELP calf_datum_duration_seconds How long processed datums took (all tries).", "# TYPE calf_datum_duration_seconds histogram");
    for (const [pipeline, h] of this.#durations) {
      BUCKETS.forEach((b, i) => out.push(`calf_datum_duration_seconds_bucket${fmtLabels({ pipeline, le: String(b) })} ${h.counts[i]}`));
      out.push(`calf_datum_duration_seconds_bucket${fmtLabels({ pipeline, le: "+Inf" })} ${h.n}`);
      out.push(`calf_datum_duration_seconds_sum${fmtLabels({ pipeline })} ${h.sum}`, `calf_datum_duration_seconds_count${fmtLabels({ pipeline })} ${h.n}`);
    }
    const spouts = [...this.spouts];
    metric("calf_spout_archives_total", "counter", "Spout archives committed or refused, by pipeline.", spouts.flatMap(([pipeline, s]) => [
      [{ pipeline, result: "committed" }, s.archives] as [Record<string, string>, number],
      [{ pipeline, result: "rejected" }, s.rejected] as [Record<string, string>, number],
    ]));
    metric("calf_spout_ingested_bytes_total", "counter", "Bytes of files committed from spout archives.", spouts.map(([pipeline, s]) => [{ pipeline }, s.bytes]));
    metric("calf_spout_restarts_total", "counter", "Times a spout exited and was restarted.", spouts.map(([pipeline, s]) => [{ pipeline }, s.restarts]));
    metric("calf_last_success_timestamp_seconds", "gauge", "When each pipeline's last successful job finished (Unix seconds).",
      (await lastSuccessTimes(db)).map(([pipeline, t]) => [{ pipeline }, Date.parse(t) / 1000]));
    metric("calf_queue_depth", "gauge", "Pipelines due and waiting for the runner.", [[{}, this.queueDepth]]);
    return out.join("\n") + "\n";
  }
}

function fmtLabels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}
