// Test helper: a whole calf App in a private temp folder (data dir + pipelines
// folder), a quiet Out, and a Progress that records what the runner reported.
import * as fs from "node:fs";
import * as path from "node:path";
import { loadRuntime } from "../../runtime/index.ts";
import type { Runtime } from "../../runtime/types.ts";
import { openApp, resolveSettings, type App } from "../../src/app.ts";
import type { Out } from "../../src/cli/output.ts";
import type { JobRow } from "../../src/db/queries/jobs.ts";
import type { RunObserver } from "../../src/observe.ts";
import { removeDir, tempDir } from "./tmp.ts";
import type { ObjectStore } from "../../src/store/types.ts";
import { timerSleep, type Host } from "../../src/host.ts";

let runtime: Runtime | undefined;
export async function rt(): Promise<Runtime> {
  return (runtime ??= await loadRuntime());
}

/** An Out that keeps what it was given instead of printing it. */
export function quietOut(): Out & { written: string[]; infos: string[]; warnings: string[] } {
  const written: string[] = [];
  const infos: string[] = [];
  const warnings: string[] = [];
  return {
    json: false, quiet: true, written, infos, warnings, write: (t) => void written.push(t), info: (t) => void infos.push(t), warn: (t) => void warnings.push(t),
    stderr: { write: (t) => void infos.push(t), tty: false, columns: () => 80 },
  };
}

/** A RunObserver that keeps what it was told. */
export interface RecordingProgress extends RunObserver {
  starts: { pipeline: string; job: string; total: number; toProcess: number }[];
  datums: { pipeline: string; state: string }[];
  finished: JobRow[];
  commits: string[];
}

export function recordingProgress(): RecordingProgress {
  const p: RecordingProgress = {
    starts: [],
    datums: [],
    finished: [],
    commits: [],
    jobStarted: (job, toProcess) => void p.starts.push({ pipeline: job.pipeline, job: job.id, total: job.total, toProcess }),
    datumFinished: (job, d) => void p.datums.push({ pipeline: job.pipeline, state: d.state }),
    jobFinished: (job) => void p.finished.push(job),
    committed: (c) => void p.commits.push(`${c.repo}@${c.id}`),
  };
  return p;
}

export interface TestApp {
  app: App;
  /** The temp folder holding data/ and pipelines/. */
  dir: string;
  pipelinesDir: string;
  /** Writes pipelines/<name>.yaml. */
  spec(name: string, yaml: string): void;
  /** Closes the app and removes the folder. */
  close(): void;
}

/**
 * The process state a test app sees: this process's environment (live, so
 * withSandboxMode() reaches a running test app), `cwd`, 2 CPUs, real time.
 */
export function testHost(cwd: string, over: Partial<Host> = {}): Host {
  return { env: process.env, cwd, cpus: 2, clock: { now: () => new Date(), sleep: timerSleep }, self: ["/usr/local/bin/calf"], ...over };
}

/** Opens an App (with the write lock) over a fresh data dir and pipelines folder. */
export async function openTestApp(opts: { dir?: string; store?: ObjectStore } = {}): Promise<TestApp> {
  const dir = opts.dir ?? tempDir();
  const pipelinesDir = path.join(dir, "pipelines");
  fs.mkdirSync(pipelinesDir, { recursive: true });
  const settings = resolveSettings({ dataDir: path.join(dir, "data"), pipelines: pipelinesDir }, {}, dir);
  const app = await openApp(await rt(), settings, quietOut(), testHost(dir), { write: true, store: opts.store });
  return {
    app,
    dir,
    pipelinesDir,
    spec: (name, yaml) => fs.writeFileSync(path.join(pipelinesDir, `${name}.yaml`), yaml),
    close() {
      app.close();
      if (!opts.dir) removeDir(dir);
    },
  };
}
