// Pipeline commands (SPEC §2.2): lint, plan, run, list/inspect/stop/start
// pipeline. Each definition carries its help: flag descriptions and examples.
import * as path from "node:path";
import type { App } from "../app.ts";
import { lastJob, listJobs } from "../db/queries/jobs.ts";
import { getPipeline, listPipelines, setPaused, type PipelineRow } from "../db/queries/pipelines.ts";
import { invalid, notFound } from "../errors.ts";
import { cronInputs, fireNow, registerCronInputs } from "../cron/ticker.ts";
import { topoOrder, upstreamRepos } from "../spec/graph.ts";
import { loadFolder } from "../spec/load.ts";
import { suggest } from "../spec/suggest.ts";
import type { PipelineSpec, SpecIssue } from "../spec/types.ts";
import { planJob } from "../run/job.ts";
import type { PlanItem } from "../run/plan.ts";
import { makeProgress } from "../run/progress.ts";
import { everyone, killOrphans } from "../transform/orphans.ts";
import { runForever, runOnce } from "../run/scheduler.ts";
import { displayPath, loadSpecs, SpecErrors, syncPipelines } from "../run/sync.ts";
import { versionHash } from "../run/version.ts";
import { reclaimAtStart } from "../ops/gc.ts";
import { bool, int } from "./args.ts";
import type { Command } from "./command.ts";
import { pipelineJson } from "./json.ts";
import { humanBytes, printFields, printJson, printTable, short, type Out } from "./output.ts";
import { specJson } from "./specjson.ts";

export async function requirePipeline(app: App, name: string): Promise<PipelineRow> {
  const p = await getPipeline(app.db, name);
  if (p) return p;
  const close = suggest(name, (await listPipelines(app.db)).map((x) => x.name));
  throw notFound(`pipeline "${name}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
}

/** Says what a runner's start removed of a previous run's leftovers (nothing when there were none). */
async function reportReclaimed(app: App, r: Awaited<ReturnType<typeof reclaimAtStart>>): Promise<void> {
  if (!r.files && !r.scratch && !r.restored) return;
  const parts = [r.files ? `${r.files} temp file${r.files === 1 ? "" : "s"}` : "", r.scratch ? `${r.scratch} scratch folder${r.scratch === 1 ? "" : "s"}` : ""].filter(Boolean);
  if (parts.length) app.out.info(`calf run: removed ${parts.join(" and ")} (${humanBytes(r.bytes)}) left by a calf that was killed or failed`);
  if (r.restored) app.out.info(`calf run: put back ${r.restored} object${r.restored === 1 ? "" : "s"} a killed gc had moved aside`);
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
function writePlanJson(out: Out, first: boolean, pipeline: string, datums: Record<string, number>, waitsFor: string[], items: PlanItem[]): void {
  out.write(`${first ? "" : ","}\n  ${JSON.stringify({ pipeline, datums, waits_for: waitsFor }).slice(0, -1)}, "items": [`);
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

/** `picked` and every pipeline upstream of them, in run order (upstream first). */
function withUpstream(specs: PipelineSpec[], picked: PipelineSpec[]): PipelineSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const need = new Set<string>();
  const visit = (s: PipelineSpec) => {
    if (need.has(s.name)) return;
    need.add(s.name);
    for (const r of upstreamRepos(s.input)) if (byName.has(r)) visit(byName.get(r)!);
  };
  picked.forEach(visit);
  return topoOrder(specs).filter((n) => need.has(n)).map((n) => byName.get(n)!);
}

/** A lint diagnostic of `lint -o json`. */
const diagnostic = (i: SpecIssue, severity: "error" | "notice", cwd: string) =>
  ({ file: displayPath(i.file, cwd), line: i.line, col: i.col, path: i.path, message: i.message, hint: i.hint ?? null, severity });

export const pipelineCommands: Command[] = [
  {
    words: ["lint"], usage: "lint [FILE...]", summary: "validate pipeline specs without touching data (exit 2 on any error)",
    details: [
      "Checks YAML and schema errors, unknown fields, unknown input repos (with \"did you mean\"), duplicate",
      "names, cycles, bad globs and bad cron specs, and reports every problem at once as",
      "file:line:col: field.path: message (hint). Repos are looked up in the data dir when there is one.",
      "With -o json: an array of {file, line, col, path, message, hint, severity}.",
    ].join("\n"),
    flags: {}, mode: "none",
    examples: ["calf lint", "calf lint pipelines/edges.yaml", "calf lint -o json | jq -r '.[] | select(.severity == \"error\") | .file'"],
    async run(ctx, p) {
      const app = await ctx.openData();
      const existingRepos = app ? await app.repos.repoNames() : [];
      const files = p.args.length ? p.args.map((f) => path.resolve(ctx.cwd, f)) : undefined;
      const res = await loadFolder(ctx.settings.pipelinesDir, { existingRepos, files });
      if (ctx.out.json) {
        printJson(ctx.out, [...res.issues.map((i) => diagnostic(i, "error", ctx.cwd)), ...res.warnings.map((i) => diagnostic(i, "notice", ctx.cwd))]);
        return res.issues.length ? 2 : 0;
      }
      if (res.issues.length) throw new SpecErrors(res.issues, ctx.cwd);
      for (const n of res.notices) ctx.out.info(`calf: notice: ${n}`);
      ctx.out.info(`${res.specs.length} pipeline spec${res.specs.length === 1 ? "" : "s"} OK`);
      return 0;
    },
  },
  {
    words: ["plan"], usage: "plan [PIPELINE...]", summary: "dry run: datums a run would process, skip and remove, and why",
    details: [
      "Changes nothing. A pipeline whose upstream pipeline has work to do \"waits for upstream\": its own plan",
      "is against the upstream's current output, which that work will change.",
    ].join("\n"),
    flags: {}, mode: "read",
    examples: ["calf plan", "calf plan edges -o json | jq '.[0].datums'"],
    async run(app, p) {
      const { specs } = await loadSpecs(app);
      // Every name is checked before anything is printed; then one pipeline is planned and printed at a time.
      const picked = (p.args.length ? p.args : specs.map((s) => s.name)).map((name) => {
        const spec = specs.find((s) => s.name === name);
        if (spec) return spec;
        const close = suggest(name, specs.map((s) => s.name));
        throw notFound(`pipeline "${name}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
      });
      const shown = new Set(picked.map((s) => s.name));
      /** Pipelines whose output the next run changes (or may: they wait for their own upstream). */
      const changing = new Set<string>();
      if (app.out.json) app.out.write("[");
      let printed = 0;
      for (const spec of withUpstream(specs, picked)) {
        if (spec.spout) continue;
        const waitsFor = upstreamRepos(spec.input).filter((r) => changing.has(r));
        const items = await planItemsOf(app, spec);
        const n = { process: 0, skip: 0, remove: 0 };
        for (const i of items) n[i.action]++;
        if (n.process || n.remove || waitsFor.length) changing.add(spec.name);
        if (!shown.has(spec.name)) continue;
        const datums = { total: items.length - n.remove, ...n };
        if (app.out.json) {
          // The plan's leftovers are garbage by now: collect them before the output adds its own.
          if (items.length >= BIG_PLAN) app.rt.gc();
          writePlanJson(app.out, printed === 0, spec.name, datums, waitsFor, items);
        } else {
          const counts = `${n.process} to process, ${n.skip} to skip, ${n.remove} to remove`;
          app.out.write(waitsFor.length
            ? `${spec.name}: waits for upstream ${waitsFor.join(", ")}; against ${waitsFor.length > 1 ? "their" : "its"} current output: ${counts}\n`
            : `${spec.name}: ${counts}\n`);
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
    details: [
      "Re-reads the pipelines folder, fires due cron ticks, runs spouts and every due job in DAG order.",
      "Naming pipelines limits the run to them (their upstream is not run). Without --once, keeps",
      "watching for new commits and spec changes until SIGTERM or Ctrl-C. Exit 1 if a job failed.",
    ].join("\n"),
    flags: { once: "bool", reprocess: "bool", parallelism: "string" },
    flagHelp: {
      once: "run what is due, then exit (for crontab)",
      reprocess: "redo every datum of the named pipelines once (a new salt)",
      parallelism: "N: datums run at once per job (default: the spec's, else the number of CPUs)",
    },
    examples: ["calf run --once", "calf run --once edges --reprocess", "calf run --quiet           # as a service"],
    mode: "write", createsData: true,
    async run(app, p) {
      const progress = makeProgress((s) => process.stderr.write(s), !!process.stderr.isTTY, app.out.quiet);
      const base = { names: p.args, reprocess: bool(p.flags, "reprocess"), parallelism: int(p.flags, "parallelism"), progress };
      await reportReclaimed(app, await reclaimAtStart(app)); // what killed or failed writers left (ops/gc.ts)
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
      else printTable(app.out, ["NAME", "STATE", "VERSION", "INPUTS", "LAST JOB", "SPEC"], rows.map((r) => [r.name, r.state, r.version, r.inputs.join(",") || "-", short(r.last_job), path.relative(process.cwd(), r.spec_file)]));
      return 0;
    },
  },
  {
    words: ["inspect", "pipeline"], usage: "inspect pipeline NAME", summary: "one pipeline, with its spec",
    details: "With -o json, `spec` is the pipeline's spec in SPEC field names (snake_case, Go durations): it lints as it is.",
    flags: {}, examples: ["calf inspect pipeline edges", "calf inspect pipeline edges -o json | jq .spec"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const row = await requirePipeline(app, p.args[0]!);
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
      await requirePipeline(app, p.args[0]!);
      await setPaused(app.db, p.args[0]!, false);
      app.out.info(`resumed ${p.args[0]}`);
      return 0;
    },
  },
];
