// The Server-Sent Events of `GET /api/v1/events` (SPEC §7) that the status
// page consumes, and their wire form. The API emits exactly these; the page
// ignores any other `type`. Pure: no I/O.
import type { CommitJson, DatumJson, JobJson, PipelineJson } from "./types.ts";

/**
 * One event, sent as one SSE message whose `data:` is this object as JSON
 * (the default `message` event: no `event:` field).
 *
 * - `job`: a job was created, made progress, or finished. Send one when the
 *   job starts (state `running`, counts 0), when planning ends (`total` and
 *   `skipped` known), after datums finish (at most a few per second is
 *   plenty), and when it ends (its final row). `job` is the §2.3 job shape.
 * - `datum`: a datum of a job finished, in any state (a `failed` one makes
 *   the page fetch its log tail). `pipeline` names the job's pipeline.
 * - `commit`: a commit was finished on a repo (user, job, spout or cron).
 * - `pipeline`: a pipeline's row changed: synced from the folder, paused or
 *   resumed, its state, or its spout/cron extras (§ types.ts).
 */
export type ViewEvent =
  | { type: "job"; job: JobJson }
  | { type: "datum"; pipeline: string; datum: DatumJson }
  | { type: "commit"; commit: CommitJson }
  | { type: "pipeline"; pipeline: PipelineJson };

/**
 * One event as an SSE message (`data: <json>` and a blank line; JSON has no
 * raw newlines), with its `id:` when given: a client that reconnects sends the
 * last one it saw (Last-Event-ID) and gets what it missed.
 */
export function sseFrame(event: ViewEvent, id?: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(event)}\n\n`;
}

/** An SSE comment line: send one every ~15 s so proxies keep an idle stream open. */
export const SSE_KEEPALIVE = ": keepalive\n\n";
