// Test helper: §2.3 JSON values for the view tests, with defaults.
import type { JobJson, PipelineJson, RepoJson } from "../../src/view/types.ts";

export const P = (name: string, inputs: string[], extra: Partial<PipelineJson> = {}): PipelineJson => ({
  name, state: "running", version: 1, spec_file: `/p/${name}.yaml`, inputs, output_repo: name, last_job: null, ...extra,
});
export const R = (name: string): RepoJson => ({ name, description: "", size_bytes: 0, head: null, created: "2026-01-01T00:00:00Z" });
export const J = (id: string, state: JobJson["state"], started: string, finished: string | null, d: Partial<JobJson["datums"]> = {}, pipeline = "p"): JobJson => ({
  id, pipeline, state, reason: null, started, finished, input_commits: [], output_commit: null,
  datums: { total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0, ...d },
});
