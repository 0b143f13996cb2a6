// Runs one datum: up to `datum_tries` attempts of the transform, each with a
// fresh /pfs/out, in its slot's sandbox (slotbox.ts) or, without bwrap, in its
// own process group with /pfs rewritten; then err_cmd after the last failure.
// Returns the outputs of the successful attempt; nothing of a failed attempt
// is kept.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Runtime, SpawnResult } from "../../runtime/types.ts";
import type { Datum } from "../plan/types.ts";
import type { NodeLoader } from "../repo/tree.ts";
import type { PipelineSpec } from "../spec/types.ts";
import type { ObjectStore } from "../store/objects.ts";
import { transformEnv } from "./env.ts";
import { cleanUp, keepTopLevel, materialize, materializeMode, type Materialized } from "./materialize.ts";
import { collectOutputs, type OutputFile } from "./outputs.ts";
import { rewritePfs } from "./rewrite.ts";
import type { SlotBox } from "./slotbox.ts";
import { AttemptLog } from "./logs.ts";
import type { LogTap } from "./logtap.ts";
import { datumOwner, killOrphans } from "./orphans.ts";

export interface DatumContext {
  rt: Runtime;
  store: ObjectStore;
  loader: NodeLoader;
  spec: PipelineSpec;
  jobId: string;
  outputCommit: string;
  /** The worker slot's private folder, reused datum after datum (left empty of inputs and outputs). */
  scratch: string;
  logDir: string;
  /** The slot's sandbox; null: run unsandboxed. */
  box: SlotBox | null;
  /** The slot's stdout/stderr FIFOs (the box's own when sandboxed). */
  tap: LogTap;
  now: () => Date;
  baseEnv: Record<string, string | undefined>;
  signal: AbortSignal;
}

export interface DatumOutcome {
  state: "success" | "failed" | "recovered";
  outputs: OutputFile[];
  tries: number;
  durationMs: number;
  reason: string | null;
}

export async function runDatum(ctx: DatumContext, datum: Datum): Promise<DatumOutcome> {
  const started = performance.now();
  const { spec, box } = ctx;
  const pfsDir = box ? box.pfsDir : path.join(ctx.scratch, "pfs");
  const outDir = path.join(pfsDir, "out");
  if (!fs.existsSync(outDir)) fs.mkdirSync(outDir, { recursive: true });
  let created: Materialized["created"] | null = null;
  const mode = materializeMode(datum.inputs, !!box);
  keepTopLevel(pfsDir, mode === "copy" ? new Set(datum.inputs.map((i) => i.name)) : new Set());
  try {
    const m = await materialize({ store: ctx.store, loader: ctx.loader, inputs: datum.inputs, mode, pfsDir, scratch: ctx.scratch });
    created = m.created;
    const pfsRoot = box ? "/pfs" : pfsDir;
    const env = transformEnv({
      base: ctx.baseEnv, transformEnv: spec.transform.env, pfsRoot, inputs: datum.inputs,
      pipeline: spec.name, jobId: ctx.jobId, datumId: datum.id, outputCommit: ctx.outputCommit,
    });
    const resolve = (p: string) => m.files.get(p) ?? null;
    const binds = mode === "binds" ? m.binds : undefined;
    const launch = async (argv: string[], stdin: string[] | undefined, log: AttemptLog) => {
      const fix = (s: string) => (box ? s : rewritePfs(s, pfsRoot));
      const attempt = {
        argv: argv.map(fix), cwd: spec.transform.workingDir, env,
        stdin: stdin ? stdin.map(fix).join("\n") + "\n" : undefined,
        timeoutMs: spec.datumTimeoutMs ?? undefined,
      };
      return box ? await box.run({ ...attempt, signal: ctx.signal, log, binds }) : await spawnAbortable(ctx, attempt, log, datum.id);
    };
    let reason = "";
    let tries = 0;
    for (let attempt = 1; attempt <= spec.datumTries && !ctx.signal.aborted; attempt++) {
      tries = attempt;
      emptyDir(outDir);
      const log = new AttemptLog(path.join(ctx.logDir, `${datum.id}.${attempt}.log`), ctx.now);
      try {
        const res = await launch(spec.transform.cmd, spec.transform.stdin, log);
        if (!ok(res, spec.transform.acceptReturnCode)) {
          reason = describe(res, spec.datumTimeoutMs) + log.tail();
          continue;
        }
        try {
          const outputs = await collectOutputs(ctx.store, outDir, resolve, box ? undefined : pfsDir);
          if (outputs.some((o) => o.path.indexOf("/", 1) > 0)) emptyDir(outDir); // files were moved out; only subfolders can remain
          return { state: "success", outputs, tries, durationMs: performance.now() - started, reason: null };
        } catch (err) {
          // A refused output (a link out of /pfs, a FIFO), or one calf could not store (disk full): the attempt failed.
          reason = (err as Error).message;
          log.line("calf", reason);
        }
      } finally {
        log.close();
      }
    }
    emptyDir(outDir);
    if (ctx.signal.aborted) return { state: "failed", outputs: [], tries, durationMs: performance.now() - started, reason: "job was killed" };
    if (spec.transform.errCmd) {
      const log = new AttemptLog(path.join(ctx.logDir, `${datum.id}.err_cmd.log`), ctx.now);
      try {
        const res = await launch(spec.transform.errCmd, spec.transform.errStdin, log);
        if (res.exitCode === 0) return { state: "recovered", outputs: [], tries, durationMs: performance.now() - started, reason };
      } finally {
        log.close();
      }
    }
    return { state: "failed", outputs: [], tries, durationMs: performance.now() - started, reason };
  } finally {
    if (created) cleanUp(created);
  }
}

/**
 * Empties /pfs/out for the next attempt or datum (a readdir when it already
 * is). The folder itself stays: a slot sandbox has it bind-mounted.
 */
function emptyDir(dir: string): void {
  for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}

function ok(r: SpawnResult, accept: number[]): boolean {
  return r.exitCode !== null && (r.exitCode === 0 || accept.includes(r.exitCode));
}

function describe(r: SpawnResult, timeoutMs: number | null): string {
  if (r.timedOut) return `timed out after ${timeoutMs} ms`;
  if (r.exitCode === null) return `killed by ${r.signal ?? "a signal"}`;
  return `exit ${r.exitCode}`;
}

/** An unsandboxed attempt: its own process group, stdout and stderr into the slot's FIFOs. */
async function spawnAbortable(ctx: DatumContext, opts: Omit<Parameters<Runtime["spawn"]>[0], "outputFile" | "errorFile">, log: AttemptLog, datumId: string): Promise<SpawnResult> {
  ctx.tap.begin(log);
  let child;
  try {
    child = ctx.rt.spawn({ ...opts, outputFile: ctx.tap.out.path, errorFile: ctx.tap.err.path });
  } catch (err) {
    await ctx.tap.end();
    throw err;
  }
  const onAbort = () => {
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 2000).unref?.();
  };
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await child.done;
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    // What left the process group (setsid) is killed too, before the output FIFOs are drained (it may hold them).
    await killOrphans(ctx.rt, datumOwner(ctx.jobId, datumId));
    await ctx.tap.end();
  }
}
