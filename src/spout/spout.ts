// Runs one spout until its process exits (SPEC §5): a FIFO at /pfs/out made
// before the process starts, the last committed marker at /pfs/<marker>, the
// transform launched like a datum's (env, /pfs rewriting or bwrap), and every
// complete archive committed as it arrives. Restarting is the caller's job.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { Child, SpawnResult } from "../../runtime/types.ts";
import type { App } from "../app.ts";
import type { PipelineRow } from "../db/queries/pipelines.ts";
import { newId, type CommitInfo } from "../repo/repos.ts";
import { transformEnv } from "../run/env.ts";
import { trimLog } from "../run/logs.ts";
import { materialize } from "../run/materialize.ts";
import type { SandboxPlan } from "../run/probe.ts";
import { rewritePfs } from "../run/rewrite.ts";
import { killOrphans, spoutOwner } from "../run/orphans.ts";
import { bwrapArgv } from "../run/sandbox.ts";
import { commitArchive, type SpoutTarget } from "./commit.ts";
import { FifoReader } from "./fifo.ts";
import { ingest, type ArchiveOutcome } from "./ingest.ts";
import { loadMarker, markerEntry, type MarkerTree } from "./marker.ts";

export interface SpoutOptions {
  sandbox: SandboxPlan | null;
  /** Aborting stops the process (SIGTERM, then SIGKILL after 2 s); what it wrote completely is kept. */
  signal?: AbortSignal;
  /** The runner's environment (default: process.env), minus calf's secrets. */
  env?: Record<string, string | undefined>;
  /** Called after each commit, e.g. to wake the scheduler for downstream pipelines. */
  onCommit?: (c: CommitInfo) => void;
}

export interface SpoutResult {
  /** The process's exit code; null when a signal ended it. 127 when it could not be started. */
  exitCode: number | null;
  commits: number;
  /** Archives refused for their content (names, entry types, malformed headers, path clashes). */
  rejected: number;
  /** Archives cut short by an end of file (the writer closed the pipe or exited mid-archive). */
  truncated: number;
}

const KILL_GRACE_MS = 2000;
const JOB_VARS = ["PACH_JOB_ID", "PACH_DATUM_ID", "PACH_OUTPUT_COMMIT_ID"];

export async function runSpout(app: App, p: PipelineRow, opts: SpoutOptions): Promise<SpoutResult> {
  const spec = p.spec;
  if (!spec.spout) throw new Error(`pipeline "${p.name}" is not a spout`);
  const target: SpoutTarget = { pipeline: p.name, repo: spec.name, branch: spec.outputBranch, overwrite: spec.spout.overwrite, marker: spec.spout.marker };
  const scratch = path.join(app.settings.dataDir, "scratch", `spout-${p.name}-${newId().slice(0, 12)}`);
  const pfsDir = path.join(scratch, "pfs");
  const fifo = path.join(pfsDir, "out");
  const logDir = path.join(app.settings.dataDir, "logs", p.name, "spout");
  const stamp = app.now().toISOString().replace(/[:.]/g, "-");
  const logFile = path.join(logDir, `spout.${stamp}.log`);
  const notesFile = path.join(logDir, `spout.${stamp}.calf.log`);
  const result: SpoutResult = { exitCode: null, commits: 0, rejected: 0, truncated: 0 };
  const note = (line: string) => {
    fs.appendFileSync(notesFile, `calf: ${line}\n`);
    app.out.info(`calf: spout ${p.name}: ${line}`);
  };
  await fsp.mkdir(pfsDir, { recursive: true });
  await fsp.mkdir(logDir, { recursive: true });
  app.rt.mkfifo(fifo, 0o600);
  const reader = new FifoReader(fifo, app.rt);
  try {
    let marker: MarkerTree | null = target.marker ? await loadMarker(app.db, p.name) : null;
    const child = await launch(app, p, opts, { pfsDir, fifo, scratch, logFile, marker }, note);
    if (!child) return { ...result, exitCode: 127 };
    const onAbort = () => {
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS).unref?.();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    const chunks = reader.chunks({
      // What left the spout's process group (setsid) goes with it, before the FIFO is drained.
      exited: child.done.then(() => killOrphans(app.rt, spoutOwner(p.name))),
      onStraggler: () => note("stopped reading /pfs/out: a process outside the spout's process group still holds it open"),
    });
    const commits = oneBehind(async (a: ArchiveOutcome) => {
      if (a.kind !== "complete") {
        if (a.kind === "rejected") result.rejected++;
        else result.truncated++;
        note(`${a.kind === "rejected" ? "rejected" : "discarded"} archive ${a.archive}: ${a.reason}`);
        return;
      }
      const r = await commitArchive(app, target, a.files, marker);
      if (r.kind === "refused") {
        result.rejected++;
        note(`rejected archive ${a.archive}: ${r.reason}`);
      } else if (r.kind === "commit") {
        result.commits++;
        if (r.marker) marker = r.marker;
        opts.onCommit?.(r.commit);
      } else if (r.kind === "marker") {
        marker = r.marker;
      }
    });
    let res: SpawnResult;
    try {
      await ingest(chunks, app.store, commits.push);
      await commits.drain();
      res = await child.done;
    } catch (err) {
      child.kill("SIGKILL");
      await child.done;
      await commits.drain().catch(() => undefined); // no commit may land after we return
      throw err;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      await chunks.return(undefined);
      trimLog(logFile);
      trimLog(notesFile);
    }
    return { ...result, exitCode: res.exitCode };
  } finally {
    reader.close();
    await fsp.rm(scratch, { recursive: true, force: true });
    dropIfEmpty(logFile);
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

/** Materialises the marker and starts the transform; null (noted) when it cannot start. */
async function launch(
  app: App, p: PipelineRow, opts: SpoutOptions,
  at: { pfsDir: string; fifo: string; scratch: string; logFile: string; marker: MarkerTree | null },
  note: (line: string) => void,
): Promise<Child | null> {
  const spec = p.spec;
  const name = spec.spout!.marker;
  const entry = name ? await markerEntry(app.repos.trees, at.marker, name) : null;
  const inputs = entry && name
    ? [{ name, repo: spec.name, branch: "marker", commit: "", path: "/", type: entry.type, hash: entry.hash, size: entry.size, reference: false, emptyFiles: false }]
    : [];
  const m = await materialize({ store: app.store, loader: app.repos.trees, inputs, mode: opts.sandbox ? "binds" : "copy", pfsDir: at.pfsDir, scratch: at.scratch });
  const pfsRoot = opts.sandbox ? "/pfs" : at.pfsDir;
  const env = transformEnv({
    base: opts.env ?? process.env, transformEnv: spec.transform.env, pfsRoot, inputs: [],
    pipeline: spec.name, jobId: "", datumId: "", outputCommit: "",
  });
  for (const k of JOB_VARS) delete env[k];
  const fix = (s: string) => (opts.sandbox ? s : rewritePfs(s, pfsRoot));
  const cmd = spec.transform.cmd.map(fix);
  const argv = opts.sandbox
    ? bwrapArgv({ plan: opts.sandbox, inputs: m.binds, outDir: at.fifo, cwd: spec.transform.workingDir, argv: cmd })
    : cmd;
  try {
    return app.rt.spawn({
      argv, cwd: spec.transform.workingDir, env, outputFile: at.logFile,
      stdin: spec.transform.stdin ? spec.transform.stdin.map(fix).join("\n") + "\n" : undefined,
    });
  } catch (err) {
    note(`cannot start the spout: ${(err as Error).message}`);
    return null;
  }
}

function dropIfEmpty(file: string): void {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st && st.size === 0) fs.rmSync(file, { force: true });
}
