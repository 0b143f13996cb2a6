// HTML for the status page and `calf report`: pipeline cards with job
// timelines and live progress, failed datums with log tails, job details, the
// repo browser (the DAG: dag.ts; formats: format.ts). Pure (values in, escaped
// HTML out); ships to the browser as source, so renderKit() gets its kits as
// arguments and uses no outer value.
import type { DagKit } from "./dag.ts";
import type { FormatKit } from "./format.ts";
import type { ModelKit, Progress, TimelineRow } from "./model.ts";
import type { CommitJson, Failure, FileJson, JobJson, LogLineJson, PipelineJson, RepoJson } from "./types.ts";

/** A failed datum with where it belongs. */
export interface FailureItem {
  pipeline: string;
  job: string;
  failure: Failure;
}

export function renderKit(model: ModelKit, fmt: FormatKit, dagKit: DagKit) {
  const { esc, short, anchor, fmtDuration, fmtAgo, fmtBytes, fmtTime, time, jobClass, countsText } = fmt;
  const { nodeSize, dagSvg, legend } = dagKit;

  // --- pipelines -----------------------------------------------------------

  function progressBlock(job: JobJson, p: Progress): string {
    const rate = p.rate === null ? "" : ` · ${p.rate >= 10 ? Math.round(p.rate) : p.rate.toFixed(1)}/s`;
    const eta = p.etaMs === null ? "" : p.done >= p.total && p.total > 0 ? " · finishing" : ` · ETA ${fmtDuration(p.etaMs)}`;
    const total = p.total > 0 ? String(p.total) : "?";
    return (
      `<div class="progress" data-job="${esc(job.id)}"><div class="pbar" role="progressbar" aria-valuemin="0" aria-valuemax="${p.total}" aria-valuenow="${p.done}"><span style="width:${p.pct}%"></span></div>` +
      `<p class="ptext">job ${esc(short(job.id))}: <b class="pcount">${p.done}/${total}</b> datums${esc(rate)}${esc(eta)}${job.datums.failed ? ` · <span class="bad">${job.datums.failed} failed</span>` : ""}</p></div>`
    );
  }

  function timelineHtml(rows: TimelineRow[], now: number): string {
    if (!rows.length) return `<p class="empty">No jobs yet.</p>`;
    return `<ol class="timeline">${rows
      .map((r) => {
        const j = r.job;
        return (
          `<li class="tl-row" data-job="${esc(j.id)}" title="job ${esc(j.id)}: ${esc(j.state)}${j.reason ? ` — ${esc(j.reason.split("\n")[0])}` : ""}">` +
          `<span class="tl-when">${time(j.started, now)}</span>` +
          `<span class="tl-track"><span class="tl-bar ${jobClass(j.state)}${r.running ? " live" : ""}" style="width:${r.widthPct}%"></span></span>` +
          `<span class="tl-label"><span class="tl-state ${jobClass(j.state)}">${esc(j.state)}</span> ${esc(fmtDuration(r.durationMs))} · ${esc(countsText(j))}</span></li>`
        );
      })
      .join("")}</ol>`;
  }

  function spoutLine(p: PipelineJson, now: number): string {
    const s = p.spout;
    if (!s) return "";
    return (
      `<p class="extra spout">spout · last archive ${time(s.last_archive, now)}` +
      `${s.archives !== undefined ? ` · ${s.archives} archive${s.archives === 1 ? "" : "s"}` : ""}` +
      `${s.rejected_archives !== undefined ? ` · <span class="${s.rejected_archives ? "bad" : ""}">${s.rejected_archives} rejected</span>` : ""}` +
      `${s.restarts !== undefined ? ` · ${s.restarts} restart${s.restarts === 1 ? "" : "s"}` : ""}</p>`
    );
  }

  function cronLines(p: PipelineJson, now: number): string {
    return (p.cron ?? [])
      .map((c) => `<p class="extra cron">cron <b>${esc(c.name)}</b> <code>${esc(c.spec)}</code> · last tick ${time(c.last_tick, now)} · next tick ${time(c.next_tick, now)}${c.next_tick && Date.parse(c.next_tick) < now ? " (due)" : ""}</p>`)
      .join("");
  }

  /** One pipeline: state, inputs, spout/cron facts, a running job's progress, the job timeline. */
  function pipelineCard(p: PipelineJson, jobs: JobJson[], live: { job: JobJson; progress: Progress } | null, now: number): string {
    const state = model.viewState(p, jobs[0]);
    const reads = p.inputs.length ? `reads ${p.inputs.map((r) => `<b>${esc(r)}</b>`).join(", ")}` : "no input";
    return (
      `<article class="card st-${state}" id="${anchor("p", p.name)}" data-pipeline="${esc(p.name)}">` +
      `<header><h3>${esc(p.name)}</h3><span class="badge st-${state}">${state}</span></header>` +
      `<p class="meta">${reads} · writes <b>${esc(p.output_repo)}</b> · version ${p.version}</p>` +
      spoutLine(p, now) + cronLines(p, now) +
      (live ? progressBlock(live.job, live.progress) : "") +
      timelineHtml(model.timeline(jobs, now), now) +
      `</article>`
    );
  }

  // --- failures and jobs ---------------------------------------------------

  function logTail(lines: LogLineJson[] | null): string {
    if (lines === null) return `<p class="muted">loading the log…</p>`;
    if (!lines.length) return `<p class="muted">no log lines</p>`;
    return `<pre class="log">${lines.map((l) => `<span class="ln ${l.stream === "err" ? "err" : l.stream === "calf" ? "sys" : ""}">${esc(l.text)}</span>`).join("\n")}</pre>`;
  }

  function failureBlock(f: FailureItem): string {
    const d = f.failure.datum;
    const inputs = d.inputs.map((i) => `${i.name}:${i.path}`).join(" ");
    return (
      `<article class="failure" data-datum="${esc(d.id)}" data-job="${esc(f.job)}">` +
      `<header><b>${esc(f.pipeline)}</b> · job <code>${esc(short(f.job))}</code> · datum <code>${esc(short(d.id))}</code> · ${d.tries} tr${d.tries === 1 ? "y" : "ies"}</header>` +
      `<p class="inputs">${esc(inputs || "(no input files)")}${d.worker ? ` <span class="worker">on worker ${esc(d.worker)}</span>` : ""}</p>` +
      (d.reason ? `<p class="reason">${esc(d.reason.split("\n")[0])}</p>` : "") +
      logTail(f.failure.log) +
      `</article>`
    );
  }

  function failureList(items: FailureItem[]): string {
    if (!items.length) return `<p class="empty">No failed datums in the latest jobs.</p>`;
    return items.map(failureBlock).join("");
  }

  /** Everything about one job (the report's body): timings, counts, provenance, failures. */
  function jobDetail(job: JobJson, failures: Failure[], now: number): string {
    const dur = job.duration_ms ?? (job.finished ? model.jobDuration(job, now) : null);
    const stages = Object.entries(job.stats ?? {}).map(([k, v]) => `${esc(k.replace(/_ms$/, ""))} ${esc(fmtDuration(v))}`).join(", ");
    const facts: [string, string][] = [
      ["job", `<code>${esc(job.id)}</code>`],
      ["state", `<span class="tl-state ${jobClass(job.state)}">${esc(job.state)}</span>`],
      ["started", esc(fmtTime(job.started))],
      ["finished", esc(fmtTime(job.finished))],
      ["duration", esc(fmtDuration(dur))],
      ["datums", esc(countsText(job))],
      ...(stages ? [["stages", stages] as [string, string]] : []),
      ...(Object.keys(job.workers ?? {}).length ? [["workers", Object.entries(job.workers!).sort().map(([w, n]) => `${esc(w)} (${n})`).join(", ")] as [string, string]] : []),
      ["input commits", job.input_commits.length ? job.input_commits.map((c) => `<code>${esc(c.repo)}@${esc(c.commit)}</code>`).join("<br>") : "-"],
      ["output commit", job.output_commit ? `<code>${esc(job.pipeline)}@${esc(job.output_commit)}</code>` : "-"],
    ];
    return (
      `<article class="job card ${jobClass(job.state)}" id="${anchor("j", job.id)}" data-job="${esc(job.id)}">` +
      `<header><h3>${esc(job.pipeline)}</h3><span class="badge ${jobClass(job.state)}">${esc(job.state)}</span></header>` +
      `<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>` +
      (job.reason ? `<pre class="reason-full">${esc(job.reason)}</pre>` : "") +
      (failures.length ? `<h4>Failed datums</h4>${failures.map((f) => failureBlock({ pipeline: job.pipeline, job: job.id, failure: f })).join("")}` : "") +
      `</article>`
    );
  }

  // --- repo browser --------------------------------------------------------

  const api = (repo: string) => `/api/v1/repos/${encodeURIComponent(repo)}`;

  function repoTable(repos: RepoJson[], selected: string | null, now: number): string {
    if (!repos.length) return `<p class="empty">No repos yet.</p>`;
    return `<ul class="list repos">${repos
      .map((r) => `<li${r.name === selected ? ` class="sel"` : ""}><button type="button" data-repo="${esc(r.name)}">${esc(r.name)}</button><span class="muted">${esc(fmtBytes(r.size_bytes))} · head ${r.head ? `<code>${esc(short(r.head))}</code>` : "none"} · created ${time(r.created, now)}</span></li>`)
      .join("")}</ul>`;
  }

  function commitTable(repo: string, commits: CommitJson[], selected: string | null, now: number): string {
    if (!commits.length) return `<p class="empty">${esc(repo)} has no commits.</p>`;
    return `<ul class="list commits">${commits
      .map((c) => `<li${c.id === selected ? ` class="sel"` : ""}><button type="button" data-commit="${esc(c.id)}"><code>${esc(short(c.id))}</code></button><span class="muted">${c.origin === "job" && c.job ? `job ${esc(short(c.job))}` : esc(c.origin)} · ${esc(fmtBytes(c.size_bytes))} · ${time(c.finished ?? c.started, now)}</span></li>`)
      .join("")}</ul>`;
  }

  /** A folder's entries; folders open in place, files download. `path` ends with `/`. */
  function fileTable(repo: string, commit: string, path: string, files: FileJson[]): string {
    const parts = path.split("/").filter(Boolean);
    const crumbs = [`<button type="button" data-dir="/">${esc(repo)}@${esc(short(commit))}:/</button>`]
      .concat(parts.map((p, i) => `<button type="button" data-dir="/${parts.slice(0, i + 1).map((x) => x).join("/")}/">${esc(p)}/</button>`))
      .join("");
    const rows = files.map((f) => {
      const name = f.path.replace(/\/$/, "").split("/").pop()!;
      if (f.type === "dir") return `<li><button type="button" data-dir="${esc(f.path)}">${esc(name)}/</button><span class="muted">${esc(fmtBytes(f.size_bytes))}</span></li>`;
      const href = `${api(repo)}/file?ref=${encodeURIComponent(commit)}&path=${encodeURIComponent(f.path)}`;
      return `<li><a href="${esc(href)}" download="${esc(name)}">${esc(name)}</a><span class="muted">${esc(fmtBytes(f.size_bytes))}</span></li>`;
    });
    return `<nav class="crumbs">${crumbs}</nav>${rows.length ? `<ul class="list files">${rows.join("")}</ul>` : `<p class="empty">empty folder</p>`}`;
  }

  return {
    esc, short, anchor, fmtDuration, fmtAgo, fmtBytes, fmtTime, countsText,
    nodeSize, dagSvg, legend, progressBlock, timelineHtml, pipelineCard,
    logTail, failureList, jobDetail, repoTable, commitTable, fileTable,
  };
}

export type RenderKit = ReturnType<typeof renderKit>;
