// Runs one datum: up to `datum_tries` attempts of the transform, each with a
// fresh /pfs/out, in its own process group (and bwrap when available); then
// err_cmd after the last failure. Returns the outputs of the successful
// attempt; nothing of a failed attempt is kept.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { Runtime, SpawnResult } from "../../runtime/types.ts";
import type { Datum } from "../plan/types.ts";
import type { NodeLoader } from "../repo/tree.ts";
import type { PipelineSpec } from "../spec/types.ts";
import type { ObjectStore } from "../store/objects.ts";
import { transformEnv } from "./env.ts";
import { materialize } from "./materialize.ts";
import { collectOutputs, OutputError, type OutputFile } from "./outputs.ts";
import { rewritePfs } from "./rewrite.ts";
import { bwrapArgv, type RootEntry } from "./sandbox.ts";
import { tailOf, trimLog } from "./logs.ts";

export interface DatumContext {
  rt: Runtime;
  store: ObjectStore;
  loader: NodeLoader;
  spec: PipelineSpec;
  jobId: string;
  outputCommit: string;
  /** Private folder for this datum; removed afterwards. */
  scratch: string;
  logDir: string;
  sandbox: { root: RootEntry[]; keep: string[] } | null;
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
  const { spec } = ctx;
  const pfsDir = path.join(ctx.scratch, "pfs");
  const outDir = path.join(pfsDir, "out");
  await fsp.mkdir(pfsDir, { recursive: true });
  try {
    const m = await materialize({ store: ctx.store, loader: ctx.loader, inputs: datum.inputs, sandbox: !!ctx.sandbox, pfsDir, scratch: ctx.scratch });
    const pfsRoot = ctx.sandbox ? "/pfs" : pfsDir;
    const env = transformEnv({
      base: ctx.baseEnv, transformEnv: spec.transform.env, pfsRoot, inputs: datum.inputs,
      pipeline: spec.name, jobId: ctx.jobId, datumId: datum.id, outputCommit: ctx.outputCommit,
    });
    const resolve = (p: string) => m.files.get(p) ?? null;
    const launch = (argv: string[], stdin: string[] | undefined, logFile: string) => {
      const fix = (s: string) => (ctx.sandbox ? s : rewritePfs(s, pfsRoot));
      const cmd = argv.map(fix);
      const full = ctx.sandbox
        ? bwrapArgv({ root: ctx.sandbox.root, inputs: m.binds, outDir, keep: ctx.sandbox.keep, cwd: spec.transform.workingDir, argv: cmd })
        : cmd;
      return spawnAbortable(ctx, {
        argv: full, cwd: spec.transform.workingDir, env,
        stdin: stdin ? stdin.map(fix).join("\n") + "\n" : undefined,
        outputFile: logFile, timeoutMs: spec.datumTimeoutMs ?? undefined,
      });
    };
    let reason = "";
    let tries = 0;
    for (let attempt = 1; attempt <= spec.datumTries && !ctx.signal.aborted; attempt++) {
      tries = attempt;
      await fsp.rm(outDir, { recursive: true, force: true });
      await fsp.mkdir(outDir, { recursive: true });
      const logFile = path.join(ctx.logDir, `${datum.id}.${attempt}.log`);
      const res = await launch(spec.transform.cmd, spec.transform.stdin, logFile);
      trimLog(logFile);
      if (ok(res, spec.transform.acceptReturnCode)) {
        try {
          const outputs = await collectOutputs(ctx.store, outDir, resolve);
          return { state: "success", outputs, tries, durationMs: performance.now() - started, reason: null };
        } catch (err) {
          if (!(err instanceof OutputError)) throw err;
          reason = err.message;
          fs.appendFileSync(logFile, `calf: ${err.message}\n`);
          continue;
        }
      }
      reason = describe(res, spec.datumTimeoutMs) + tailOf(logFile);
    }
    if (ctx.signal.aborted) return { state: "failed", outputs: [], tries, durationMs: performance.now() - started, reason: "job was killed" };
    if (spec.transform.errCmd) {
      const logFile = path.join(ctx.logDir, `${datum.id}.err_cmd.log`);
      const res = await launch(spec.transform.errCmd, spec.transform.errStdin, logFile);
      trimLog(logFile);
      if (res.exitCode === 0) return { state: "recovered", outputs: [], tries, durationMs: performance.now() - started, reason };
    }
    return { state: "failed", outputs: [], tries, durationMs: performance.now() - started, reason };
  } finally {
    await fsp.rm(ctx.scratch, { recursive: true, force: true });
  }
}

function ok(r: SpawnResult, accept: number[]): boolean {
  return r.exitCode !== null && (r.exitCode === 0 || accept.includes(r.exitCode));
}

function describe(r: SpawnResult, timeoutMs: number | null): string {
  if (r.timedOut) return `timed out after ${timeoutMs} ms`;
  if (r.exitCode === null) return `killed by ${r.signal ?? "a signal"}`;
  return `exit ${r.exitCode}`;
}

async function spawnAbortable(ctx: DatumContext, opts: Parameters<Runtime["spawn"]>[0]): Promise<SpawnResult> {
  const child = ctx.rt.spawn(opts);
  const onAbort = () => {
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 2000).unref?.();
  };
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await child.done;
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
  }
}
