// Runs one spout until its process exits (SPEC §5): a slot whose /pfs/out is
// a FIFO made before the process starts, the last committed marker at
// /pfs/<marker>, the transform launched like a datum's (transform/), and
// every complete archive committed as it arrives. Restarting is the caller's job.
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { App } from "../app.ts";
import type { PipelineRow } from "../db/queries/pipelines.ts";
import { newId } from "../repo/repos.ts";
import type { RunObserver } from "../observe.ts";
import { transformEnv } from "../transform/env.ts";
import { openSlot } from "../transform/launch.ts";
import { logDir as logDirOf, SPOUT_JOB } from "../transform/logfiles.ts";
import { RotatingLog } from "../transform/logs.ts";
import { materialize, materializeMode } from "../transform/materialize.ts";
import { spoutOwner } from "../transform/orphans.ts";
import type { SandboxPlan } from "../transform/sandbox.ts";
import type { Slot } from "../transform/slot.ts";
import type { Ended } from "../transform/stop.ts";
import { commitArchive, type SpoutTarget } from "./commit.ts";
import { FifoReader } from "./fifo.ts";
import { ingest, type ArchiveOutcome } from "./ingest.ts";
import { loadMarker, markerEntry, type MarkerTree } from "./marker.ts";
import { crashPoint } from "../crash.ts";
import { diskFullReason, isDiskFull } from "../errors.ts";

export interface SpoutOptions {
  sandbox: SandboxPlan | null;
  /** Aborting stops the process (SIGTERM, then SIGKILL after 2 s); what it wrote completely is kept. */
  signal?: AbortSignal;
  /** The runner's environment (default: the host's), minus calf's secrets. */
  env?: Record<string, string | undefined>;
  /** Told of each commit and of each refused or cut-short archive. */
  observer?: RunObserver;
}

export interface SpoutResult {
  /** The process's exit code; null when a signal ended it. 127 when it could not be started. */
  exitCode: number | null;
  commits: number;
  /** Archives refused for their content (names, entry types, malformed headers, path clashes). */
  rejected: number;
  /** Archives discarded: cut short by an end of file (the writer closed the pipe or exited mid-archive), or that did not fit on the disk. */
  truncated: number;
}

const JOB_VARS = ["PACH_JOB_ID", "PACH_DATUM_ID", "PACH_OUTPUT_COMMIT_ID"];

export async function runSpout(app: App, p: PipelineRow, opts: SpoutOptions): Promise<SpoutResult> {
  const spec = p.spec;
  if (!spec.spout) throw new Error(`pipeline "${p.name}" is not a spout`);
  const target: SpoutTarget = { pipeline: p.name, repo: spec.name, branch: spec.outputBranch, overwrite: spec.spout.overwrite, marker: spec.spout.marker };
  const scratch = path.join(app.settings.dataDir, "scratch", `spout-${p.name}-${newId().slice(0, 12)}`);
  const logDir = logDirOf(app.settings.dataDir, p.name, SPOUT_JOB);
  await fsp.mkdir(logDir, { recursive: true });
  // The spout's own lines and calf's notes about its archives, in one log.
  const log = new RotatingLog(path.join(logDir, `spout.${app.now().toISOString().replace(/[:.]/g, "-")}`), app.now);
  const result: SpoutResult = { exitCode: null, commits: 0, rejected: 0, truncated: 0 };
  const note = (line: string) => log.line("calf", line);
  const slot = openSlot(app.rt, opts.sandbox, scratch, { out: "fifo" });
  const reader = new FifoReader(slot.outDir, app.rt);
  try {
    let marker: MarkerTree | null = target.marker ? await loadMarker(app.db, p.name) : null;
    const started = await launch(app, p, opts, slot, scratch, marker, log);
    // A process that cannot be started at all (no such command or working dir) counts as exit 127, as in a shell.
    const run = started.done.catch((err: Error): Ended => {
      note(`cannot start the spout: ${err.message}`);
      return { exitCode: 127, signal: null, timedOut: false };
    });
    const chunks = reader.chunks({
      exited: run,
      onStraggler: () => note("stopped reading /pfs/out: a process outside the spout's process group still holds it open"),
    });
    const commits = oneBehind(async (a: ArchiveOutcome) => {
      const refuse = (kind: "rejected" | "discarded", reason: string) => {
        if (kind === "rejected") result.rejected++;
        else result.truncated++;
        note(`${kind} archive ${a.archive}: ${reason}`);
        opts.observer?.spout?.({ kind, pipeline: p.name, archive: a.archive, reason });
      };
      if (a.kind !== "complete") return refuse(a.kind === "rejected" ? "rejected" : "discarded", a.reason);
      let r: Awaited<ReturnType<typeof commitArchive>>;
      try {
        r = await commitArchive(app, target, a.files, marker);
      } catch (err) {
        if (!isDiskFull(err)) throw err;
        // Nothing of it was committed (the transaction rolled back, or never began): drop it, go on.
        return refuse("discarded", `calf could not commit it: ${diskFullReason(err)}`);
      }
      if (r.kind === "refused") refuse("rejected", r.reason);
      else if (r.kind === "commit") {
        result.commits++;
        crashPoint("spout.committed");
        if (r.marker) marker = r.marker;
        opts.observer?.committed?.(r.commit);
        opts.observer?.spout?.({ kind: "committed", pipeline: p.name, commit: r.commit.id, files: a.files.length, bytes: a.files.reduce((n, f) => n + f.size, 0) });
      } else if (r.kind === "marker") {
        marker = r.marker;
      }
    });
    let res: Ended;
    try {
      await ingest(chunks, app.store, commits.push);
      await commits.drain();
      res = await run;
    } catch (err) {
      await commits.drain().catch(() => undefined); // no commit may land after we return
      throw err;
    } finally {
      await chunks.return(undefined);
    }
    return { ...result, exitCode: res.exitCode };
  } finally {
    reader.close();
    await slot.close();
    log.close();
    await fsp.rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` for each archive in arrival order, one archive behind the reader:
 * `push(N)` returns once archive N-1 is done (rejecting if it failed), so
 * archive N's flush and commit overlap the reading of N+1 while commits stay
 * in order, one at a time. `drain()` waits for the last one.
 */
export function oneBehind<T>(fn: (item: T) => Promise<void>): { push: (item: T) => Promise<void>; drain: () => Promise<void> } {
  let last: Promise<void> = Promise.resolve();
  return {
    push(item) {
      const prev = last;
      last = prev.then(() => fn(item));
      last.catch(() => undefined); // reported by the next push() or by drain()
      return prev;
    },
    drain: () => last,
  };
}

/**
 * Materialises the marker and starts the transform on `slot`; the promise
 * settles when it has ended (stopped by `opts.signal`: SIGTERM, then SIGKILL).
 */
async function launch(app: App, p: PipelineRow, opts: SpoutOptions, slot: Slot, scratch: string, marker: MarkerTree | null, log: RotatingLog): Promise<{ done: Promise<Ended> }> {
  const spec = p.spec;
  const name = spec.spout!.marker;
  const entry = name ? await markerEntry(app.repos.trees, marker, name) : null;
  const inputs = entry && name
    ? [{ name, repo: spec.name, branch: "marker", commit: "", path: "/", type: entry.type, hash: entry.hash, size: entry.size, reference: false, emptyFiles: false }]
    : [];
  const mode = materializeMode(inputs, slot.sandboxed);
  const m = await materialize({ store: app.store, loader: app.repos.trees, inputs, mode, pfsDir: slot.pfsDir, scratch });
  const env = transformEnv({
    base: opts.env ?? app.host.env, transformEnv: spec.transform.env, pfsRoot: slot.pfsRoot, inputs: [],
    pipeline: spec.name, jobId: "", datumId: "", outputCommit: "",
  });
  for (const k of JOB_VARS) delete env[k];
  const done = slot.run({
    argv: spec.transform.cmd.map((a) => slot.fix(a)), cwd: spec.transform.workingDir, env,
    stdin: spec.transform.stdin ? spec.transform.stdin.map((s) => slot.fix(s)).join("\n") + "\n" : undefined,
    signal: opts.signal ?? new AbortController().signal, log, binds: m.mode === "binds" ? m.binds : undefined, owner: spoutOwner(p.name),
  });
  return { done };
}
