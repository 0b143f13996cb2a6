// `calf dag` (the DAG as text, dot or Mermaid) and `calf report` (one
// self-contained HTML file about a job, or the last job of every pipeline).
// Data from the data dir (viewdata.ts); rendering is src/view/'s.
import * as fs from "node:fs";
import * as path from "node:path";
import { lastJob } from "../db/queries/jobs.ts";
import { usageError } from "../errors.ts";
import { loadFolder } from "../spec/load.ts";
import { suggest } from "../spec/suggest.ts";
import { SpecErrors } from "../run/sync.ts";
import { modelKit, type Dag } from "../view/model.ts";
import { reportHtml } from "../view/page.ts";
import { DAG_FORMATS, renderDag, type DagFormat } from "../view/text.ts";
import type { JobJson, PipelineJson, RepoJson } from "../view/types.ts";
import { str } from "./args.ts";
import type { Command, Context } from "./command.ts";
import { jobJson, repoJson } from "../shapes.ts";
import { printJson } from "./output.ts";
import { requireJob } from "./jobs.ts";
import { LAST_JOB_STATES, collectReport, pipelineViews, specPipelineJson } from "../status.ts";

function formatFlag(value: string | undefined): DagFormat {
  if (value === undefined) return "text";
  if ((DAG_FORMATS as readonly string[]).includes(value)) return value as DagFormat;
  const close = suggest(value, DAG_FORMATS);
  throw usageError(`--format: "${value}" is not a DAG format`, close ? `did you mean "${close}"?` : `one of: ${DAG_FORMATS.join(", ")}`);
}

/**
 * The DAG from the data dir's pipelines, or from the specs folder when the
 * data dir has none (no data dir, or nothing synced yet).
 */
async function loadDag(ctx: Context): Promise<Dag> {
  const model = modelKit();
  const app = await ctx.openData();
  let pipelines: PipelineJson[] = [];
  let repos: RepoJson[] = [];
  const latest = new Map<string, JobJson>();
  if (app) {
    pipelines = await pipelineViews(app);
    repos = (await app.repos.listRepos()).map(repoJson);
    for (const p of pipelines) {
      const j = await lastJob(app.db, p.name, [...LAST_JOB_STATES, "created"]);
      if (j) latest.set(p.name, jobJson(j));
    }
  }
  if (!pipelines.length) {
    const res = await loadFolder(ctx.settings.pipelinesDir, { existingRepos: repos.map((r) => r.name) });
    if (res.issues.length && !res.specs.length) throw new SpecErrors(res.issues, ctx.cwd);
    // Input repos that do not exist yet are expected here (nothing was created): the DAG shows them.
    const problems = res.issues.filter((i) => !(/\.repo$/.test(i.path) && /does not exist/.test(i.message)));
    if (problems.length) ctx.out.warn(`calf: dag: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the pipelines folder (see: calf lint); showing the specs that load`);
    pipelines = res.specs.map(specPipelineJson);
  }
  return model.buildDag(pipelines, repos, (name) => latest.get(name));
}

export const viewCommands: Command[] = [
  {
    words: ["dag"], usage: "dag [--format text|dot|mermaid]", summary: "the pipeline DAG: repos, pipelines and their states",
    details: [
      "Repos (in parentheses) feed pipelines [in brackets, with their state], which write their output repos, laid",
      "out left to right. Read from the data dir, or from the pipelines folder when no pipeline was synced yet.",
      "States: running (a job is running), success, failing, paused, inactive (its spec is gone), idle (no job yet).",
      "With -o json: {nodes, edges}.",
    ].join("\n"),
    flags: { format: "string" },
    flagHelp: { format: "FORMAT: text (default; for a terminal), dot (Graphviz) or mermaid" },
    examples: ["calf dag", "calf dag --format dot | dot -Tsvg > dag.svg", "calf dag --format mermaid >> docs/pipelines.md"],
    maxArgs: 0, mode: "none",
    async run(ctx, p) {
      const format = formatFlag(str(p.flags, "format"));
      const dag = await loadDag(ctx);
      if (ctx.out.json) printJson(ctx.out, dag);
      else ctx.out.write(renderDag(dag, format));
      return 0;
    },
  },
  {
    words: ["report"], usage: "report [JOB] [-o FILE]", summary: "one self-contained HTML file about a job (or the last job of every pipeline)",
    details: [
      "Shows the DAG, the job's timings and per-stage timings, datum counts, its input and output commits,",
      "and each failed datum with its reason and log tail; then every pipeline's recent jobs. All CSS is",
      "inline: the file opens from disk, or as a CI artifact, with no server. Without JOB, reports on the",
      "newest job of every pipeline. With -o json, prints the report's data instead.",
    ].join("\n"),
    flags: {},
    flagHelp: { output: "FILE: write the HTML to FILE instead of stdout (json: the report's data as JSON)" },
    examples: ["calf report -o report.html", "calf report 3fa9c2d1 -o failed-job.html", "calf report > last-run.html"],
    maxArgs: 1, mode: "read",
    async run(app, p) {
      const job = p.args[0] === undefined ? null : await requireJob(app, p.args[0]);
      const data = await collectReport(app, job);
      const target = str(p.flags, "output");
      if (target === "json") {
        printJson(app.out, data);
        return 0;
      }
      const html = reportHtml(data);
      if (!target || target === "text") {
        app.out.write(html);
        return 0;
      }
      const file = path.resolve(target);
      fs.writeFileSync(file, html);
      app.out.info(`wrote ${target} (${data.jobs.length} job${data.jobs.length === 1 ? "" : "s"})`);
      return 0;
    },
  },
];
