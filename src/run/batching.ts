// datum_batching for a job: one batch process per worker slot
// (transform/batch.ts), started with the job's environment (no datum's:
// each datum's variables come on its line) and the transform's cmd and stdin.
import { BatchProcess } from "../transform/batch.ts";
import { transformEnv } from "../transform/env.ts";
import { jobOwner } from "../transform/orphans.ts";
import type { Slot } from "../transform/slot.ts";
import type { Runtime } from "../../runtime/types.ts";
import type { PipelineSpec } from "../spec/types.ts";

/** The job a batch process serves (a runner's JobContext, or a worker's lease). */
export interface BatchJob {
  spec: PipelineSpec;
  jobId: string;
  outputCommit: string;
  /** The environment transforms start from. */
  env: Readonly<Record<string, string | undefined>>;
  rt: Pick<Runtime, "mkfifo" | "setPipeSize" | "watchFifo">;
}

/** The slot's batch process (started at its first datum), or undefined when the pipeline is not batched. */
export function batchFor(job: BatchJob, slot: Slot, signal: AbortSignal): BatchProcess | undefined {
  const { spec } = job;
  if (!spec.datumBatching) return undefined;
  if (!BatchProcess.fits(slot)) throw new Error("this worker slot cannot run a batch process (datum_batching)");
  const env: Record<string, string | undefined> = transformEnv({
    base: job.env, transformEnv: spec.transform.env, pfsRoot: slot.pfsRoot, inputs: [],
    pipeline: spec.name, jobId: job.jobId, datumId: "", outputCommit: job.outputCommit,
  });
  delete env.PACH_DATUM_ID;
  return new BatchProcess(slot, {
    argv: spec.transform.cmd.map((a) => slot.fix(a)),
    stdin: spec.transform.stdin ? spec.transform.stdin.map((s) => slot.fix(s)).join("\n") + "\n" : undefined,
    env, cwd: spec.transform.workingDir, owner: jobOwner(job.jobId), signal,
  }, job.rt);
}
