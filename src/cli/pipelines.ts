// Pipeline commands (SPEC §2.2): lint, plan, run, list/inspect/stop/start
// pipeline. Each definition carries its help: flag descriptions and examples.
import * as path from "node:path";
import type { App } from "../app.ts";
import { lastJob, listJobs } from "../db/queries/jobs.ts";
import { getPipeline, listPipelines, setPaused, type PipelineRow } from "../db/queries/pipelines.ts";
import { invalid, notFound } from "../errors.ts";
import { cronInputs, fireNow, registerCronInputs } from "../run/ticks.ts";
import { suggest } from "../spec/suggest.ts";
import { loadSpecs, SpecErrors, syncPipelines } from "../run/sync.ts";
import type { Command } from "./command.ts";
import { pipelineJson } from "../shapes.ts";
import { printFields, printJson, printTable, short } from "./output.ts";
import { specJson } from "../spec/json.ts";

/**
 * Brings the database's pipelines in line with the folder as it is now, for a
 * command that changes a pipeline (a runner may not have synced a new file
 * yet). An invalid folder leaves them as last synced, with a warning.
 */
export async function syncNow(app: App): Promise<void> {
  try {
    await syncPipelines(app);
  } catch (err) {
    if (!(err instanceof SpecErrors)) throw err;
    app.out.warn(`calf: warning: the pipelines folder is invalid, so this uses the pipelines as last synced:\ncalf: ${err.message}`);
  }
}

/** A pipeline's row with its spec as the folder holds it now (read-only: nothing is written); the row's as last synced when the folder does not load. */
async function currentPipeline(app: App, name: string): Promise<PipelineRow> {
  const row = await requirePipeline(app, name);
  try {
    const now = (await loadSpecs(app)).specs.find((s) => s.name === name);
    return now ? { ...row, spec: now, specFile: now.file } : { ...row, active: false };
  } catch (err) {
    if (err instanceof SpecErrors) return row;
    throw err;
  }
}

export async function requirePipeline(app: App, name: string): Promise<PipelineRow> {
  const p = await getPipeline(app.db, name);
  if (p) return p;
  const close = suggest(name, (await listPipelines(app.db)).map((x) => x.name));
  throw notFound(`pipeline "${name}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
}

export const pipelineCommands: Command[] = [
  {
    words: ["run", "cron"], usage: "run cron PIPELINE", summary: "fire one tick now on each cron input of PIPELINE",
    flags: {}, examples: ["calf run cron nightly && calf run --once nightly"],
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const specs = await syncPipelines(app);
      const spec = specs.find((s) => s.name === p.args[0]);
      if (!spec) await requirePipeline(app, p.args[0]!);
      if (!cronInputs(spec!.input).length) throw invalid(`pipeline "${p.args[0]}" has no cron input`);
      await registerCronInputs(app, specs);
      const n = await fireNow(app, spec!);
      app.out.info(n ? `fired ${n} tick${n === 1 ? "" : "s"} for ${spec!.name}` : `a tick for this second already exists`);
      return 0;
    },
  },
  {
    words: ["list", "pipeline"], usage: "list pipeline", summary: "pipelines with state, version and last job",
    flags: {}, examples: ["calf list pipeline", "calf list pipeline -o json | jq -r '.[] | select(.state == \"failing\") | .name'"],
    maxArgs: 0, mode: "read",
    async run(app) {
      const rows = [];
      for (const p of await listPipelines(app.db)) rows.push(pipelineJson(p, await lastJob(app.db, p.name, ["success", "failure", "killed", "unrunnable", "running"])));
      if (app.out.json) printJson(app.out, rows);
      else printTable(app.out, ["NAME", "STATE", "VERSION", "INPUTS", "LAST JOB", "SPEC"], rows.map((r) => [r.name, r.state, r.version, r.inputs.join(",") || "-", short(r.last_job), path.relative(app.host.cwd, r.spec_file)]));
      return 0;
    },
  },
  {
    words: ["inspect", "pipeline"], usage: "inspect pipeline NAME", summary: "one pipeline, with its spec",
    details: "With -o json, `spec` is the pipeline's spec in SPEC field names (snake_case, Go durations): it lints as it is.",
    flags: {}, examples: ["calf inspect pipeline edges", "calf inspect pipeline edges -o json | jq .spec"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const row = await currentPipeline(app, p.args[0]!);
      const last = (await listJobs(app.db, { pipeline: row.name, limit: 1 }))[0];
      const j = { ...pipelineJson(row, last), description: row.spec.description, created: row.created, updated: row.updated };
      if (app.out.json) printJson(app.out, { ...j, spec: specJson(row.spec) });
      else printFields(app.out, Object.entries(j).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]));
      return 0;
    },
  },
  {
    words: ["stop", "pipeline"], usage: "stop pipeline NAME", summary: "pause job creation", flags: {},
    examples: ["calf stop pipeline edges"], minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      await syncNow(app);
      await requirePipeline(app, p.args[0]!);
      await setPaused(app.db, p.args[0]!, true);
      app.out.info(`paused ${p.args[0]}`);
      return 0;
    },
  },
  {
    words: ["start", "pipeline"], usage: "start pipeline NAME", summary: "resume job creation", flags: {},
    examples: ["calf start pipeline edges"], minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      await syncNow(app);
      await requirePipeline(app, p.args[0]!);
      await setPaused(app.db, p.args[0]!, false);
      app.out.info(`resumed ${p.args[0]}`);
      return 0;
    },
  },
];
