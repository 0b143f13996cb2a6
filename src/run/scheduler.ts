// The runner's loop (SPEC §4.5). One pass (`runOnce`): sync the specs folder,
// fire due cron ticks, (with --once) run each spout until it exits, then run
// every due job in DAG order; downstream of a failed job becomes unrunnable.
// As a service (`runForever`): a pass whenever something changed (a data
// command's wake-up, a spec file, a cron tick due) or a second went by, with
// each spout supervised and restarted with backoff.
import * as path from "node:path";
import type { App } from "../app.ts";
import { insertJob, lastJob, markDeadJobs, type JobRow } from "../db/queries/jobs.ts";
import { bumpReprocess, getPipeline, listPipelines, setForceDue, type PipelineRow } from "../db/queries/pipelines.ts";
import { notFound } from "../errors.ts";
import { inputRepos } from "../plan/input.ts";
import { newId } from "../repo/repos.ts";
import { topoOrder } from "../spec/graph.ts";
import { suggest } from "../spec/suggest.ts";
import { runSpout } from "../spout/spout.ts";
import { chooseSandbox, type SandboxPlan } from "../transform/probe.ts";
import type { Waker } from "../wake.ts";
import { jobContext } from "./context.ts";
import { identityOf } from "./fingerprint.ts";
import { heads, inputCommits, ready } from "./inputs.ts";
import { runJob } from "./job.ts";
import type { LeaseQueue } from "./leases.ts";
import type { RunObserver } from "../observe.ts";
import { snapshotFolders } from "./folders.ts";
import { SpecErrors, syncSpecs } from "./sync.ts";
import { fireDueTicks, registerCronInputs } from "./ticks.ts";

export interface RunOptions {
  names: string[];
  /** Run each selected spout until it exits, before the jobs (`run --once`). */
  spouts?: boolean;
  reprocess: boolean;
  parallelism?: number;
  observer: RunObserver;
  signal?: AbortSignal;
  /** serve with remote workers (run/leases.ts). */
  queue?: LeaseQueue;
  localSlots?: number;
}

export interface RunResult {
  jobs: JobRow[];
  failed: boolean;
  /** The folders of folder-backed repos (a service watches them). */
  folders: string[];
}

/**
 * What a runner does once when it starts: become the subreaper of what
 * unsandboxed transforms leave behind (transform/orphans.ts), and mark the
 * jobs a dead runner left running as killed (their finished datums are
 * skipped by the job that redoes them).
 */
export async function startRunner(app: App): Promise<string[]> {
  app.rt.becomeSubreaper();
  return markDeadJobs(app.db, app.now().toISOString());
}

export async function runOnce(app: App, opts: RunOptions): Promise<RunResult> {
  const { specs, folders } = await syncSpecs(app);
  opts.observer.specs?.({ ok: true, pipelines: specs.length });
  const all = specs.map((s) => s.name);
  for (const n of opts.names) {
    if (!all.includes(n)) {
      const close = suggest(n, all);
      throw notFound(`pipeline "${n}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
    }
  }
  const selected = new Set(opts.names.length ? opts.names : all);
  const keep = [path.dirname(app.settings.pipelinesDir), ...specs.map((s) => s.transform.workingDir)];
  let sandbox: Promise<SandboxPlan | null> | undefined;
  const getSandbox = () => (sandbox ??= sandboxFor(app, keep));
  // A changed folder will most likely make a job: the sandbox probe (a bwrap
  // start, ~8 ms) then runs while the snapshot commits, not after it. Its
  // error, if any, is thrown where the sandbox is awaited.
  const probeEarly = specs.some((s) => selected.has(s.name) && !s.spout) ? () => void getSandbox().catch(() => {}) : undefined;
  // Folder-backed repos first: a pipeline reading one plans over the folder as it is now.
  for (const c of await snapshotFolders(app, folders, probeEarly)) opts.observer.committed?.(c);
  if (opts.reprocess) for (const n of selected) await bumpReprocess(app.db, n);
  await registerCronInputs(app, specs);
  for (const s of specs) if (selected.has(s.name)) for (const c of await fireDueTicks(app, s, app.now())) opts.observer.committed?.(c);
  const failedRepos = new Set<string>();
  const jobs: JobRow[] = [];
  let spoutFailed = false;
  if (opts.spouts !== false) {
    const spouts: PipelineRow[] = [];
    for (const name of topoOrder(specs)) {
      const p = (await getPipeline(app.db, name))!;
      if (selected.has(name) && !p.paused && p.spec.spout) spouts.push(p);
    }
    // Concurrently: one long-running spout must not hold back the others.
    const sb = spouts.length ? await getSandbox() : null;
    const results = await Promise.all(spouts.map((p) => runSpout(app, p, { sandbox: sb, signal: opts.signal, observer: opts.observer })));
    results.forEach((r, i) => {
      if (r.exitCode !== 0) spoutFailed = true;
      opts.observer.spout?.({ kind: "exited", pipeline: spouts[i]!.name, exitCode: r.exitCode, restartInMs: null });
    });
  }
  for (const name of topoOrder(specs)) {
    if (opts.signal?.aborted) break;
    if (!selected.has(name)) continue;
    const p = (await getPipeline(app.db, name))!;
    if (p.paused || p.spec.spout) continue;
    const job = await runIfDue(app, p, opts, failedRepos, getSandbox);
    if (!job) continue;
    jobs.push(job);
    if (job.state !== "success") failedRepos.add(name);
  }
  return { jobs, failed: spoutFailed || jobs.some((j) => j.state !== "success"), folders: folders.map((f) => f.folder) };
}

/**
 * Whether the pipeline's latest job was cut short (stopped, timed out, or left
 * running by a runner that died) on these very inputs: only a forced run
 * (restart datum, reprocess) gets there, since force_due is cleared when the
 * job starts; what it was asked to redo is then still to do.
 */
async function interrupted(app: App, name: string, fingerprint: string): Promise<boolean> {
  const last = await lastJob(app.db, name, ["success", "failure", "killed"]);
  return last?.state === "killed" && last.fingerprint === fingerprint;
}

async function runIfDue(app: App, p: PipelineRow, opts: RunOptions, failedRepos: Set<string>, sandbox: () => Promise<SandboxPlan | null>): Promise<JobRow | null> {
  const hs = await heads(app.repos, p.spec.input);
  if (!ready(hs)) return null;
  const identity = identityOf(p, hs, (s) => app.rt.sha256(s));
  if (!p.forceDue && (await lastJob(app.db, p.name, ["success", "failure"], identity.fingerprint)) && !(await interrupted(app, p.name, identity.fingerprint))) return null;
  if (p.forceDue) await setForceDue(app.db, p.name, false);
  const upstreamFailed = inputRepos(p.spec.input).filter((r) => failedRepos.has(r));
  if (upstreamFailed.length) {
    const now = app.now().toISOString();
    const job: JobRow = {
      id: newId(), pipeline: p.name, state: "unrunnable", reason: `upstream pipeline ${upstreamFailed.map((r) => `"${r}"`).join(", ")} failed`,
      started: now, finished: now, inputCommits: inputCommits(hs), outputCommit: null, fingerprint: identity.fingerprint, salt: identity.salt, version: p.version,
      total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0, stats: {},
    };
    await app.db.write((tx) => insertJob(tx, job));
    opts.observer.jobFinished?.(job);
    return job;
  }
  const ctx = jobContext(app, p, hs, identity, { reprocess: opts.reprocess, parallelism: opts.parallelism, sandbox: await sandbox(), observer: opts.observer, signal: opts.signal, queue: opts.queue, localSlots: opts.localSlots });
  const job = await runJob(ctx);
  if (job.outputCommit) {
    const c = await app.repos.getCommit(job.outputCommit);
    if (c) opts.observer.committed?.(c);
  }
  return job;
}

/** How long a service waits for a wake-up before it looks anyway (cron ticks, a missed notification). */
export const POLL_MS = 1000;

/**
 * `serve` and `run` without --once: a pass whenever the waker says something
 * changed, or every `pollMs`, until `signal` aborts. An invalid specs folder
 * is told to the observer (once per change) and retried: it may be mid-edit.
 * Each spout runs under a supervisor that restarts it with backoff.
 */
export async function runForever(
  app: App,
  opts: RunOptions & { signal: AbortSignal; waker: Waker; pollMs?: number; onError: (err: unknown) => void; onPass?: () => Promise<void> },
): Promise<void> {
  let reprocess = opts.reprocess;
  const spouts = new Map<string, { stop: AbortController; done: Promise<void> }>();
  while (!opts.signal.aborted) {
    try {
      await opts.onPass?.();
      const r = await runOnce(app, { ...opts, reprocess, spouts: false });
      opts.waker.watchFolders(r.folders);
      reprocess = false;
      await superviseSpouts(app, opts, spouts);
    } catch (err) {
      if (err instanceof SpecErrors) opts.observer.specs?.({ ok: false, message: err.message });
      else opts.onError(err);
    }
    await opts.waker.wait(opts.pollMs ?? POLL_MS, opts.signal);
  }
  for (const s of spouts.values()) s.stop.abort(opts.signal.reason);
  await Promise.all([...spouts.values()].map((s) => s.done));
}

/** Starts a supervisor for each active spout that has none; stops those whose pipeline went away or was paused. */
async function superviseSpouts(app: App, opts: RunOptions & { signal: AbortSignal; onError: (err: unknown) => void }, running: Map<string, { stop: AbortController; done: Promise<void> }>) {
  const wanted = new Set<string>();
  for (const p of await listPipelines(app.db)) {
    if (p.active && !p.paused && p.spec.spout && (!opts.names.length || opts.names.includes(p.name))) wanted.add(p.name);
  }
  for (const [name, s] of running) {
    if (!wanted.has(name)) {
      s.stop.abort();
      running.delete(name);
    }
  }
  const keep = [path.dirname(app.settings.pipelinesDir)];
  for (const name of wanted) {
    if (running.has(name)) continue;
    const stop = new AbortController();
    opts.signal.addEventListener("abort", () => stop.abort(opts.signal.reason), { once: true });
    const done = (async () => {
      let failures = 0;
      while (!stop.signal.aborted) {
        const p = await getPipeline(app.db, name);
        if (!p?.active || p.paused || !p.spec.spout) return;
        const started = app.clock.now().getTime();
        let exitCode: number | null = null;
        try {
          const sandbox = await sandboxFor(app, [...keep, p.spec.transform.workingDir]);
          opts.observer.spout?.({ kind: "started", pipeline: name });
          exitCode = (await runSpout(app, p, { sandbox, signal: stop.signal, observer: opts.observer })).exitCode;
          if (stop.signal.aborted) return;
        } catch (err) {
          opts.onError(err);
        }
        // Backoff: 1 s doubling to 60 s, reset after a run of a minute or more.
        failures = app.clock.now().getTime() - started >= 60_000 ? 0 : failures + 1;
        const backoff = Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
        opts.observer.spout?.({ kind: "exited", pipeline: name, exitCode, restartInMs: backoff });
        await app.clock.sleep(backoff, stop.signal);
      }
    })();
    running.set(name, { stop, done });
  }
}

/** The sandbox for transforms that need `keep`; it hides the data dir and a database file kept elsewhere. */
export function sandboxFor(app: App, keep: string[]): Promise<SandboxPlan | null> {
  const hide = [app.settings.dataDir];
  if (app.settings.dbUrl.startsWith("file:")) {
    const db = app.settings.dbUrl.slice("file:".length).split("?")[0]!;
    if (!db.startsWith(app.settings.dataDir + "/")) hide.push(db, `${db}-wal`, `${db}-shm`);
  }
  return chooseSandbox(app.rt, { mode: app.host.env.CALF_SANDBOX, path: app.host.env.PATH ?? "/usr/bin:/bin", keep, hide });
}
