// The status page (`GET /`) and the `calf report` file: whole HTML documents
// with their CSS and script inline (no CDN, no build step). The page's script
// is the source text of the same kits the report renders with on the server.
import { Buffer } from "node:buffer";
import { clientApp } from "./client.ts";
import { layoutKit } from "./layout.ts";
import { modelKit } from "./model.ts";
import { dagKit } from "./dag.ts";
import { formatKit } from "./format.ts";
import { renderKit } from "./render.ts";
import { PAGE_CSS } from "./style.ts";
import type { Failure, JobJson, PipelineJson, RepoJson } from "./types.ts";

/**
 * The page's script: each kit's source, instantiated in the browser as on the
 * server. Function.prototype.toString gives the (transpiled, maybe minified)
 * source under Bun, Deno and the compiled binary alike; each kit closes over
 * nothing, which the view tests check by running every table over kits rebuilt
 * from their source text (test/view/_kits.ts), and the browser test runs the page.
 */
export function pageScript(): string {
  return (
    `"use strict";(() => {\nconst model = (${modelKit.toString()})();\nconst layout = (${layoutKit.toString()})();\n` +
    `const fmt = (${formatKit.toString()})();\nconst dag = (${dagKit.toString()})(layout, fmt);\n` +
    `const render = (${renderKit.toString()})(model, fmt, dag);\n(${clientApp.toString()})({ model, render });\n})();\n`
  );
}

const head = (title: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
  `<meta name="color-scheme" content="light dark"><title>${title}</title><link rel="icon" href="data:,"><style>${PAGE_CSS}</style></head>`;

let page: string | undefined;

/** The whole status page: it renders from /api/v1/* and follows /api/v1/events. */
export function pageHtml(): string {
  page ??=
    head("calf status") +
    `<body><header class="top"><h1>calf</h1><span id="summary" class="muted">loading…</span><span id="live" class="live">connecting…</span></header>` +
    `<main><p id="banner" class="banner" role="alert"></p>` +
    `<h2>DAG</h2><div id="dag" class="dag-box"></div>` +
    dagKit(layoutKit(), formatKit()).legend() +
    `<h2>Pipelines</h2><div id="pipelines" class="cards"></div>` +
    `<h2>Failed datums</h2><div id="failures"></div>` +
    `<h2>Repos</h2><div id="browser" class="browser"><div><h3>repos</h3><div id="repo-list"></div></div>` +
    `<div><h3>commits</h3><div id="commit-list"></div></div><div><h3>files</h3><div id="file-list"></div></div></div>` +
    `</main><script>${pageScript()}</script></body></html>`;
  return page;
}

/**
 * The status page's Content-Security-Policy: its own inline script (by hash)
 * and nothing else runs, it talks only to the serve it came from, and no
 * other page frames it; a log line that slipped past escaping stays text.
 * Styles stay inline (`style=` attributes come with the rendered HTML).
 */
export function pageCsp(sha256Hex: (text: string) => string): string {
  const hash = Buffer.from(sha256Hex(pageScript()), "hex").toString("base64");
  return [
    "default-src 'none'", `script-src 'sha256-${hash}'`, "style-src 'unsafe-inline'", "img-src data:", "connect-src 'self'",
    "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join("; ");
}

/** What `calf report` shows: values only, collected by the caller. */
export interface ReportData {
  /** RFC 3339: when the report was made (and "now" for every "ago"). */
  generated: string;
  /** `calf --version`'s line. */
  version: string;
  pipelines: PipelineJson[];
  repos: RepoJson[];
  /** Each pipeline's recent jobs, newest first. */
  history: Record<string, JobJson[]>;
  /** The jobs reported on, each with its failed datums and their log tails. */
  jobs: { job: JobJson; failures: Failure[] }[];
  /** The job asked for (`calf report JOB`), or null for the last job of every pipeline. */
  focus: string | null;
}

/** One self-contained HTML file: the DAG, each pipeline's timeline, and every reported job in full. */
export function reportHtml(data: ReportData): string {
  const model = modelKit();
  const fmt = formatKit();
  const render = renderKit(model, fmt, dagKit(layoutKit(), fmt));
  const now = Date.parse(data.generated);
  const latest = (name: string) => data.history[name]?.[0];
  const focusJob = data.focus ? data.jobs.find((j) => j.job.id === data.focus)?.job : undefined;
  const dag = model.buildDag(data.pipelines, data.repos, latest);
  const title = focusJob ? `calf report: ${focusJob.pipeline} job ${render.short(focusJob.id)}` : "calf report: the last job of every pipeline";
  const cards = data.pipelines.map((p) => render.pipelineCard(p, data.history[p.name] ?? [], null, now)).join("");
  const jobs = data.jobs.map((j) => render.jobDetail(j.job, j.failures, now)).join("");
  return (
    head(render.esc(title)) +
    `<body><header class="top"><h1>${render.esc(title)}</h1><span class="muted">made ${render.esc(render.fmtTime(data.generated))} by ${render.esc(data.version)}</span></header><main>` +
    `<h2>DAG</h2><div class="dag-box">${render.dagSvg(dag, "LR", focusJob ? `pipeline:${focusJob.pipeline}` : undefined)}</div>${render.legend()}` +
    `<h2>${focusJob ? "Job" : "Jobs"}</h2><div class="cards">${jobs || `<p class="empty">No jobs yet.</p>`}</div>` +
    `<h2>Pipelines</h2><div class="cards">${cards || `<p class="empty">No pipelines.</p>`}</div>` +
    `</main><footer>calf report · opens from disk, no server needed</footer></body></html>\n`
  );
}
