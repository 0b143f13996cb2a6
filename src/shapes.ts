// The JSON shapes of SPEC §2.3, built from internal records. One place, so
// the CLI and the HTTP API print the same thing.
import type { CommitInfo, RepoInfo } from "./repo/repos.ts";
import type { WalkEntry } from "./repo/tree.ts";
import type { DatumRow, JobRow } from "./db/queries/jobs.ts";
import type { PipelineRow } from "./db/queries/pipelines.ts";
import { inputRepos } from "./plan/input.ts";

export const repoJson = (r: RepoInfo) => ({
  name: r.name,
  description: r.description,
  size_bytes: r.sizeBytes,
  head: r.head,
  created: r.created,
});

export const commitJson = (c: CommitInfo) => ({
  id: c.id,
  repo: c.repo,
  branch: c.branch,
  parent: c.parent,
  origin: c.origin,
  started: c.started,
  finished: c.finished,
  size_bytes: c.sizeBytes,
  provenance: c.provenance,
  job: c.job,
});

export const fileJson = (e: WalkEntry) => ({
  path: e.type === "dir" && e.path !== "/" ? `${e.path}/` : e.path,
  type: e.type,
  size_bytes: e.size,
  hash: e.hash,
});


export const jobJson = (j: JobRow) => ({
  id: j.id,
  pipeline: j.pipeline,
  state: j.state,
  reason: j.reason,
  started: j.started,
  finished: j.finished,
  input_commits: j.inputCommits,
  output_commit: j.outputCommit,
  datums: { total: j.total, processed: j.processed, skipped: j.skipped, failed: j.failed, recovered: j.recovered },
  /** Datums each remote worker ran (serve with `calf worker`s); {} when the runner ran them all. */
  workers: j.workers ?? {},
});

export const datumJson = (d: DatumRow) => ({
  id: d.id,
  job: d.job,
  state: d.state,
  inputs: d.inputs.map((i) => ({ name: i.name, repo: i.repo, commit: i.commit, path: i.path })),
  duration_ms: Math.round(d.durationMs),
  tries: d.tries,
  reason: d.reason,
  /** The remote worker that ran it; null: the runner itself (or skipped). */
  worker: d.worker ?? null,
});

export function pipelineState(p: PipelineRow, last: JobRow | undefined): "running" | "paused" | "failing" | "inactive" {
  if (!p.active) return "inactive";
  if (p.paused) return "paused";
  if (last && (last.state === "failure" || last.state === "unrunnable")) return "failing";
  return "running";
}

export const pipelineJson = (p: PipelineRow, last: JobRow | undefined) => ({
  name: p.name,
  state: pipelineState(p, last),
  version: p.version,
  spec_file: p.specFile,
  inputs: inputRepos(p.spec.input),
  output_repo: p.name,
  last_job: last?.id ?? null,
});
