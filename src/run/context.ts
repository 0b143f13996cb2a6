// The JobContext: everything one job needs, built once by the scheduler from
// what it already computed (the pipeline row, input heads, identity) and what
// the host gives (environment, CPUs, clock, sandbox). The job's phases
// (planning, execute, finish) read it and nothing else of the world.
import * as path from "node:path";
import type { App } from "../app.ts";
import type { PipelineRow } from "../db/queries/pipelines.ts";
import { newId } from "../repo/repos.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { logDir } from "../transform/logfiles.ts";
import type { SandboxPlan } from "../transform/sandbox.ts";
import type { RunObserver } from "../observe.ts";
import type { JobIdentity } from "./fingerprint.ts";
import type { LeafHead } from "./inputs.ts";
import type { LeaseQueue } from "./leases.ts";

export interface JobOptions {
  reprocess: boolean;
  parallelism?: number;
  sandbox: SandboxPlan | null;
  observer: RunObserver;
  signal?: AbortSignal;
  /** serve with remote workers: the queue they lease datums from, and how many the runner runs itself. */
  queue?: LeaseQueue;
  localSlots?: number;
}

export interface JobContext {
  app: App;
  pipeline: PipelineRow;
  spec: PipelineSpec;
  jobId: string;
  /** Announced to transforms (PACH_OUTPUT_COMMIT_ID) before it exists. */
  outputCommit: string;
  started: Date;
  heads: LeafHead[];
  identity: JobIdentity;
  /** Worker slots' folders (removed when the job ends) and the datum logs. */
  scratchDir: string;
  logDir: string;
  /** The environment transforms start from (calf's secrets are filtered out per datum). */
  env: Readonly<Record<string, string | undefined>>;
  sandbox: SandboxPlan | null;
  parallelism: number;
  reprocess: boolean;
  observer: RunObserver;
  signal?: AbortSignal;
  queue?: LeaseQueue;
  localSlots?: number;
}

export function jobContext(app: App, pipeline: PipelineRow, heads: LeafHead[], identity: JobIdentity, opts: JobOptions): JobContext {
  const jobId = newId();
  return {
    app, pipeline, spec: pipeline.spec, jobId, outputCommit: newId(), started: app.now(), heads, identity,
    scratchDir: path.join(app.settings.dataDir, "scratch", jobId),
    logDir: logDir(app.settings.dataDir, pipeline.name, jobId),
    env: app.host.env, sandbox: opts.sandbox,
    parallelism: Math.max(1, opts.parallelism ?? pipeline.spec.parallelism ?? app.host.cpus),
    reprocess: opts.reprocess, observer: opts.observer, signal: opts.signal, queue: opts.queue, localSlots: opts.localSlots,
  };
}
