// Pipeline commands (SPEC §2.2): lint, plan, run, list/inspect/stop/start pipeline.
import * as path from "node:path";
import type { App } from "../app.ts";
import { lastJob, listJobs } from "../db/queries/jobs.ts";
import { getPipeline, listPipelines, setPaused, type PipelineRow } from "../db/queries/pipelines.ts";
import { invalid, notFound } from "../errors.ts";
import { cronInputs, fireNow, registerCronInputs } from "../cron/ticker.ts";
import { suggest } from "../spec/suggest.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { planJob } from "../run/job.ts";
import type { PlanItem } from "../run/plan.ts";
import { makeProgress } from "../run/progress.ts";
import { everyone, killOrphans } from "../transform/orphans.ts";
import { runForever, runOnce } from "../run/scheduler.ts";
import { loadSpecs, syncPipelines } from "../run/sync.ts";
import { versionHash } from "../run/version.ts";
import { bool, int } from "./args.ts";
import type { Command } from "./command.ts";
import { pipelineJson } from "./json.ts";
import { printFields, printJson, printTable, short, type Out } from "./output.ts";

export async function requirePipeline(app: App, name: string): Promise<PipelineRow> {
  const p = await getPipeline(app.db, name);
  if (p) return p;
  const close = suggest(name, (await listPipelines(app.db)).map((x) => x.name));
  throw notFound(`pipeline "${name}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
}

/** A plan this big asks for a GC before its output is written (as planJob does between its phases). */
const BIG_PLAN = 20_000;

/** What a run of `spec` would do now, as the runner would plan it (from the pipeline's row, if it has one). */
async function planItemsOf(app: App, spec: PipelineSpec): Promise<PlanItem[]> {
  const row = await getPipeline(app.db, spec.name);
  const pseudo: PipelineRow = {
    name: spec.name, specFile: spec.file, spec, version: row?.version ?? 1, versionHash: versionHash(spec, (s) => app.rt.sha256(s)),
    reprocessNonce: row?.reprocessNonce ?? 0, paused: row?.paused ?? false, active: true, forceDue: false, created: "", updated: "",
  };
  return (await planJob(app, pseudo, { reprocess: false, reasons: true })).items;
}

/**
 * One pipeline's entry of `plan -o json` (SPEC §2.3), written a thousand items
 * at a time: a 100k-datum plan as one string would double the peak memory.
 */
function writePlanJson(out: Out, first: boolean, pipeline: string, datums: Record<string, number>, items: PlanItem[]): void {
  out.write(`${first ? "" : ","}\n  ${JSON.stringify({ pipeline, datums }).slice(0, -1)}, "items": [`);
  for (let k = 0; k < items.length; k += 1000) {
    let text = "";
    for (let j = k; j < Math.min(k + 1000, items.length); j++) {
      const { id, action, reason, paths } = items[j]!;
      text += `${j ? "," : ""}\n    ${JSON.stringify({ id, action, reason, paths })}`;
    }
    out.write(text);
  }
  out.write("\n  ]}");
}

export const pipelineCommands: Command[] = [
  {
    words: ["lint"], usage: "lint [FILE...]", summary: "validate pipeline specs without touching data (exit 2 on any error)",
    flags: {}, mode: "read",
    async run(app, p) {
      const { specs, notices } = await loadSpecs(app, p.args.length ? p.args.map((f) => path.resolve(f)) : undefined);
      for (const n of notices) app.out.info(`calf: notice: ${n}`);
      app.out.info(`${specs.length} pipeline spec${specs.length === 1 ? "" : "s"} OK`);
      return 0;
    },
  },
  {
    words: ["plan"], usage: "plan [PIPELINE...]", summary: "dry run: datums a run would process, skip and remove, and why",
    flags: {}, mode: "read",
    async run(app, p) {
      const { specs } = await loadSpecs(app);
      // Every name is checked before anything is printed; then one pipeline is planned and printed at a time.
      const picked = (p.args.length ? p.args : specs.map((s) => s.name)).map((name) => {
        const spec = specs.find((s) => s.name === name);
        if (spec) return spec;
        const close = suggest(name, specs.map((s) => s.name));
        throw notFound(`pipeline "${name}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
      });
      if (app.out.json) app.out.write("[");
      let printed = 0;
      for (const spec of picked) {
        if (spec.spout) continue;
        const items = await planItemsOf(app, spec);
        const n = { process: 0, skip: 0, remove: 0 };
        for (const i of items) n[i.action]++;
        const datums = { total: items.length - n.remove, ...n };
        if (app.out.json) {
          // The plan's leftovers are garbage by now: collect them before the output adds its own.
          if (items.length >= BIG_PLAN) app.rt.gc();
          writePlanJson(app.out, printed === 0, spec.name, datums, items);
        } else {
          app.out.write(`${spec.name}: ${n.process} to process, ${n.skip} to skip, ${n.remove} to remove\n`);
          printTable(app.out, ["DATUM", "ACTION", "REASON", "PATHS"], items.filter((i) => i.action !== "skip").map((i) => [short(i.id), i.action, i.reason, i.paths.join(" ")]));
        }
        printed++;
      }
      if (app.out.json) app.out.write("\n]\n");
      return 0;
    },
  },
  {
    words: ["run"], usage: "run [--once] [PIPELINE...] [--reprocess] [--parallelism N]",
    summary: "run every due job in DAG order (--once: then exit; for cron)",
    flags: { once: "bool", reprocess: "bool", parallelism: "string" }, mode: "write",
    async run(app, p) {
      const progress = makeProgress((s) => process.stderr.write(s), !!process.stderr.isTTY, app.out.quiet);
      const base = { names: p.args, reprocess: bool(p.flags, "reprocess"), parallelism: int(p.flags, "parallelism"), progress };
      try {
        if (!bool(p.flags, "once")) {
          const stop = new AbortController();
          const off = [app.rt.onSignal("SIGINT", () => stop.abort()), app.rt.onSignal("SIGTERM", () => stop.abort())];
          app.out.info("calf run: watching for new commits and spec changes (Ctrl-C to stop)");
          await runForever(app, { ...base, signal: stop.signal, onError: (err) => app.out.info(`calf: ${(err as Error).message}`) });
          off.forEach((f) => f());
          return 0;
        }
        const res = await runOnce(app, base);
        if (!res.jobs.length) app.out.info("nothing to do: every pipeline is up to date");
        return res.failed ? 1 : 0;
      } finally {
        await killOrphans(app.rt, everyone); // nothing a transform started outlives the runner
      }
    },
  },
  {
    words: ["run", "cron"], usage: "run cron PIPELINE", summary: "fire one tick now on each cron input of PIPELINE",
    flags: {}, minArgs: 1, maxArgs: 1, mode: "write",
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
    flags: {}, maxArgs: 0, mode: "read",
    async run(app) {
      const rows = [];
      for (const p of await listPipelines(app.db)) rows.push(pipelineJson(p, await lastJob(app.db, p.name, ["success", "failure", "killed", "unrunnable", "running"])));
      if (app.out.json) printJson(app.out, rows);
      else printTable(app.out, ["NAME", "STATE", "VERSION", "INPUTS", "LAST JOB", "SPEC"], rows.map((r) => [r.name, r.state, r.version, r.inputs.join(",") || "-", short(r.last_job), path.relative(process.cwd(), r.spec_file)]));
      return 0;
    },
  },
  {
    words: ["inspect", "pipeline"], usage: "inspect pipeline NAME", summary: "one pipeline, with its spec",
    flags: {}, minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const row = await requirePipeline(app, p.args[0]!);
      const last = (await listJobs(app.db, { pipeline: row.name, limit: 1 }))[0];
      const j = { ...pipelineJson(row, last), description: row.spec.description, created: row.created, updated: row.updated };
      if (app.out.json) printJson(app.out, { ...j, spec: { ...row.spec, source: undefined } });
      else printFields(app.out, Object.entries(j).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]));
      return 0;
    },
  },
  {
    words: ["stop", "pipeline"], usage: "stop pipeline NAME", summary: "pause job creation", flags: {}, minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      await requirePipeline(app, p.args[0]!);
      await setPaused(app.db, p.args[0]!, true);
      app.out.info(`paused ${p.args[0]}`);
      return 0;
    },
  },
  {
    words: ["start", "pipeline"], usage: "start pipeline NAME", summary: "resume job creation", flags: {}, minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      await requirePipeline(app, p.args[0]!);
      await setPaused(app.db, p.args[0]!, false);
      app.out.info(`resumed ${p.args[0]}`);
      return 0;
    },
  },
];
