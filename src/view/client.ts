// The status page's script: loads the §7 JSON API, renders with renderKit,
// follows /api/v1/events (events.ts) and browses repos. Runs in the browser
// only: page.ts inlines its source, so clientApp() uses no outer value.
import type { ModelKit, ProgressSample } from "./model.ts";
import type { FailureItem, RenderKit } from "./render.ts";
import type { ViewEvent } from "./events.ts";
import type { CommitJson, DatumJson, FileJson, JobJson, LogLineJson, PipelineJson, RepoJson } from "./types.ts";

export function clientApp(k: { model: ModelKit; render: RenderKit }): void {
  const { model, render } = k;
  const JOBS_SHOWN = 10;
  const FAILURES_PER_JOB = 10;
  const LOG_TAIL = 20;
  const state = {
    pipelines: [] as PipelineJson[],
    repos: [] as RepoJson[],
    jobs: new Map<string, JobJson[]>(),
    samples: new Map<string, ProgressSample[]>(),
    failures: new Map<string, FailureItem>(),
    loadedFailures: new Set<string>(),
    browser: { repo: null as string | null, commits: [] as CommitJson[], commit: null as string | null, path: "/", files: [] as FileJson[] },
  };
  const $ = (id: string) => document.getElementById(id)!;
  const enc = encodeURIComponent;

  async function getJson<T>(url: string): Promise<T> {
    const r = await fetch(url, { headers: { accept: "application/json" } });
    if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
    return (await r.json()) as T;
  }
  const problems = new Map<string, string>();
  function problem(key: string, msg: string | null): void {
    if (msg === null) problems.delete(key);
    else problems.set(key, msg);
    $("banner").textContent = [...problems.values()].join(" · ");
  }

  // --- data ---------------------------------------------------------------

  async function loadPipelines(): Promise<void> {
    const [pipelines, repos] = await Promise.all([getJson<PipelineJson[]>("/api/v1/pipelines"), getJson<RepoJson[]>("/api/v1/repos")]);
    state.pipelines = pipelines;
    state.repos = repos;
    await Promise.all(pipelines.map(async (p) => state.jobs.set(p.name, await getJson<JobJson[]>(`/api/v1/jobs?pipeline=${enc(p.name)}&limit=${JOBS_SHOWN}`))));
    for (const p of pipelines) for (const j of failureJobs(p.name)) void loadFailures(j);
  }

  /** The jobs whose failures are shown: a pipeline's newest, and the one before while the newest runs. */
  function failureJobs(pipeline: string): JobJson[] {
    const jobs = state.jobs.get(pipeline) ?? [];
    const shown = jobs[0] && (jobs[0].state === "running" || jobs[0].state === "created") ? jobs.slice(0, 2) : jobs.slice(0, 1);
    return shown.filter((j) => j.datums.failed > 0 || j.state === "running");
  }

  async function loadFailures(job: JobJson): Promise<void> {
    if (job.datums.failed === 0 || state.loadedFailures.has(`${job.id}:${job.datums.failed}`)) return;
    state.loadedFailures.add(`${job.id}:${job.datums.failed}`);
    try {
      const ds = await getJson<DatumJson[]>(`/api/v1/jobs/${enc(job.id)}/datums?state=failed`);
      for (const d of ds.slice(0, FAILURES_PER_JOB)) addFailure(job.pipeline, d);
      problem("failures", null);
    } catch (err) {
      problem("failures", (err as Error).message);
    }
  }

  function addFailure(pipeline: string, d: DatumJson): void {
    const key = `${d.job}/${d.id}`;
    if (state.failures.has(key)) return;
    const item: FailureItem = { pipeline, job: d.job, failure: { datum: d, log: null } };
    state.failures.set(key, item);
    schedule();
    getJson<LogLineJson[]>(`/api/v1/logs?job=${enc(d.job)}&datum=${enc(d.id)}&tail=${LOG_TAIL}`)
      .then((lines) => {
        item.failure.log = lines.slice(-LOG_TAIL);
        schedule();
      })
      .catch((err: Error) => {
        item.failure.log = [];
        problem(`log ${key}`, err.message);
      });
  }

  // --- events -------------------------------------------------------------

  function onEvent(ev: ViewEvent): void {
    const now = Date.now();
    if (ev.type === "job") {
      const j = ev.job;
      state.jobs.set(j.pipeline, model.upsertJob(state.jobs.get(j.pipeline) ?? [], j, JOBS_SHOWN));
      if (j.state === "running" || j.state === "created") state.samples.set(j.id, model.addSample(state.samples.get(j.id) ?? [], j, now));
      else state.samples.delete(j.id);
      if (!state.pipelines.some((p) => p.name === j.pipeline)) void refresh();
      if (j.datums.failed > 0) void loadFailures(j);
    } else if (ev.type === "datum") {
      if (ev.datum.state === "failed") addFailure(ev.pipeline, ev.datum);
    } else if (ev.type === "pipeline") {
      const rest = state.pipelines.filter((p) => p.name !== ev.pipeline.name);
      state.pipelines = [...rest, ev.pipeline].sort((a, b) => (a.name < b.name ? -1 : 1));
      if (!state.jobs.has(ev.pipeline.name)) state.jobs.set(ev.pipeline.name, []);
    } else if (ev.type === "commit") {
      void getJson<RepoJson[]>("/api/v1/repos").then((repos) => {
        state.repos = repos;
        schedule();
      }).catch((err: Error) => problem("repos", err.message));
      if (state.browser.repo === ev.commit.repo) void openRepo(ev.commit.repo, false);
    }
    schedule();
  }

  function connect(): void {
    const live = $("live");
    const es = new EventSource("/api/v1/events");
    es.onopen = () => {
      live.className = "live on";
      live.textContent = "live";
    };
    es.onerror = () => {
      live.className = "live off";
      live.textContent = "reconnecting…";
    };
    es.onmessage = (m: MessageEvent<string>) => {
      let ev: ViewEvent;
      try {
        ev = JSON.parse(m.data) as ViewEvent;
      } catch {
        return; // not one of ours (events.ts): ignore
      }
      onEvent(ev);
    };
  }

  // --- rendering ----------------------------------------------------------

  let pending = false;
  function schedule(): void {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      draw();
    }, 60);
  }

  function draw(): void {
    const now = Date.now();
    const latest = (name: string) => state.jobs.get(name)?.[0];
    const dag = model.buildDag(state.pipelines, state.repos, latest);
    const box = $("dag");
    // Left to right when it fits the box, else top to bottom (a phone).
    let svg = render.dagSvg(dag, "LR");
    const wide = Number(/width="(\d+)"/.exec(svg)?.[1] ?? 0);
    if (wide > box.clientWidth - 16) {
      const tall = render.dagSvg(dag, "TB");
      if (Number(/width="(\d+)"/.exec(tall)?.[1] ?? 0) < wide) svg = tall;
    }
    box.innerHTML = svg;
    const counts = new Map<string, number>();
    for (const n of dag.nodes) if (n.state) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
    $("summary").textContent = `${state.pipelines.length} pipeline${state.pipelines.length === 1 ? "" : "s"}${[...counts].map(([s, n]) => ` · ${n} ${s}`).join("")}`;
    $("pipelines").innerHTML = state.pipelines.length
      ? state.pipelines
          .map((p) => {
            const jobs = state.jobs.get(p.name) ?? [];
            const run = jobs.find((j) => j.state === "running" || j.state === "created");
            const live = run ? { job: run, progress: model.progress(run, state.samples.get(run.id) ?? [], now) } : null;
            return render.pipelineCard(p, jobs, live, now);
          })
          .join("")
      : `<p class="empty">No pipelines yet: add specs to the pipelines folder.</p>`;
    const shownJobs = new Set(state.pipelines.flatMap((p) => failureJobs(p.name).map((j) => j.id)));
    const failures = [...state.failures.values()].filter((f) => shownJobs.has(f.job));
    $("failures").innerHTML = render.failureList(failures);
    drawRepoList(now);
  }

  function drawRepoList(now: number): void {
    $("repo-list").innerHTML = render.repoTable(state.repos, state.browser.repo, now);
  }

  function drawBrowser(): void {
    const b = state.browser;
    const now = Date.now();
    $("commit-list").innerHTML = b.repo ? render.commitTable(b.repo, b.commits, b.commit, now) : `<p class="empty">Pick a repo.</p>`;
    $("file-list").innerHTML = b.repo && b.commit ? render.fileTable(b.repo, b.commit, b.path, b.files) : `<p class="empty">Pick a commit.</p>`;
    drawRepoList(now);
  }

  async function openRepo(repo: string, reset = true): Promise<void> {
    const b = state.browser;
    try {
      const commits = await getJson<CommitJson[]>(`/api/v1/repos/${enc(repo)}/commits?limit=20`);
      if (reset || b.repo !== repo) Object.assign(b, { repo, commit: null, path: "/", files: [] });
      b.commits = commits;
      drawBrowser();
      if (!b.commit && commits[0]) await openDir(commits[0].id, "/");
      problem("browser", null);
    } catch (err) {
      problem("browser", (err as Error).message);
    }
  }

  async function openDir(commit: string, path: string): Promise<void> {
    const b = state.browser;
    if (!b.repo) return;
    try {
      b.files = await getJson<FileJson[]>(`/api/v1/repos/${enc(b.repo)}/files?ref=${enc(commit)}&path=${enc(path)}`);
      b.commit = commit;
      b.path = path;
      drawBrowser();
      problem("browser", null);
    } catch (err) {
      problem("browser", (err as Error).message);
    }
  }

  $("browser").addEventListener("click", (e) => {
    const t = (e.target as Element).closest("button");
    if (!t) return;
    if (t.dataset.repo !== undefined) void openRepo(t.dataset.repo);
    else if (t.dataset.commit !== undefined) void openDir(t.dataset.commit, "/");
    else if (t.dataset.dir !== undefined && state.browser.commit) void openDir(state.browser.commit, t.dataset.dir);
  });

  async function refresh(): Promise<void> {
    try {
      await loadPipelines();
      problem("load", null);
    } catch (err) {
      problem("load", (err as Error).message);
    }
    schedule();
  }

  // Durations, ETAs and "ago" move with the clock: redraw every second while a job runs, else about every ten.
  setInterval(() => {
    const running = [...state.jobs.values()].some((js) => js[0] && (js[0].state === "running" || js[0].state === "created"));
    if (running || Date.now() % 10_000 < 1000) schedule();
  }, 1000);
  window.addEventListener("resize", schedule);
  drawBrowser();
  void refresh();
  connect();
}
