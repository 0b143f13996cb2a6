// Pipeline commands (SPEC §2.2): lint, plan, run, list/inspect/stop/start
// pipeline. Each definition carries its help: flag descriptions and examples.
import * as path from "node:path";
import type { App } from "../app.ts";
import { lastJob, listJobs } from "../db/queries/jobs.ts";
import { getPipeline, listPipelines, setPaused, type PipelineRow } from "../db/queries/pipelines.ts";
import { invalid, notFound } from "../errors.ts";
import { cronInputs, fireNow, registerCronInputs } from "../run/ticks.ts";
import { suggest } from "../spec/suggest.ts";
import { makeProgress } from "../run/progress.ts";
import { everyone, killOrphans } from "../transform/orphans.ts";
import { runForever, runOnce } from "../run/scheduler.ts";
import { syncPipelines } from "../run/sync.ts";
import { bool, int } from "./args.ts";
import type { Command } from "./command.ts";
import { pipelineJson } from "./json.ts";
import { printFields, printJson, printTable, short } from "./output.ts";
import { specJson } from "./specjson.ts";

export async function requirePipeline(app: App, name: string): Promise<PipelineRow> {
  const p = await getPipeline(app.db, name);
  if (p) return p;
  const close = suggest(name, (await listPipelines(app.db)).map((x) => x.name));
  throw notFound(`pipeline "${name}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
}

export const pipelineCommands: Command[] = [
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
