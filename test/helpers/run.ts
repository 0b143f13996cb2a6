// Test helper: run pipelines in-process (`calf run --once`) over a TestApp,
// with CALF_SANDBOX pinned for the test file, and read outputs back.
import { afterAll, afterEach, beforeAll } from "bun:test";
import { spawnSync } from "node:child_process";
import { runOnce, startRunner, type RunResult } from "../../src/run/scheduler.ts";
import { openTestApp, recordingProgress, type RecordingProgress, type TestApp } from "./app.ts";
import { fileMap } from "./repo.ts";

/** Sets CALF_SANDBOX for the current test file and restores it afterwards. */
export function useSandboxMode(mode: "none" | "bwrap" | "auto"): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.CALF_SANDBOX;
    process.env.CALF_SANDBOX = mode;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.CALF_SANDBOX;
    else process.env.CALF_SANDBOX = saved;
  });
}

/** Runs `fn` with CALF_SANDBOX=mode, restoring the previous value. */
export async function withSandboxMode<T>(mode: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.CALF_SANDBOX;
  process.env.CALF_SANDBOX = mode;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.CALF_SANDBOX;
    else process.env.CALF_SANDBOX = saved;
  }
}

/** Whether bubblewrap can make a PID namespace here (as calf's own probe checks). */
export const bwrapWorks: boolean = (() => {
  const r = spawnSync("bwrap", ["--ro-bind", "/", "/", "--unshare-pid", "--dev", "/dev", "true"], { stdio: "ignore" });
  return r.status === 0;
})();

/**
 * Apps for pipeline tests: `setup()` opens one with `repos` created and `specs`
 * (name -> YAML) written to its pipelines folder; all are closed after each test.
 */
export function usePipelineApps() {
  const open: TestApp[] = [];
  const closeAll = () => {
    for (const t of open.splice(0)) t.close();
  };
  afterEach(closeAll);
  return {
    async setup(specs: Record<string, string>, repos = ["data"]): Promise<TestApp> {
      const t = await openTestApp();
      open.push(t);
      for (const r of repos) await t.app.repos.createRepo(r);
      for (const [name, yaml] of Object.entries(specs)) t.spec(name, yaml);
      return t;
    },
    closeAll,
  };
}

/** `calf run --once [names] [--reprocess]`, recording progress. */
export async function runAll(t: TestApp, opts: { names?: string[]; reprocess?: boolean } = {}): Promise<RunResult & { progress: RecordingProgress }> {
  const progress = recordingProgress();
  await startRunner(t.app);
  const r = await runOnce(t.app, { names: opts.names ?? [], reprocess: opts.reprocess ?? false, observer: progress });
  return { ...r, progress };
}

/** The files (path -> content) of a repo's master head; {} when it has no commits. */
export async function outputOf(t: TestApp, repo: string): Promise<Record<string, string>> {
  const c = await t.app.repos.branchHead(repo, "master");
  return c ? fileMap(t.app.repos, c) : {};
}

/** [state, processed, skipped, failed] of a job, for compact assertions. */
export const counts = (j: { state: string; processed: number; skipped: number; failed: number }) => [j.state, j.processed, j.skipped, j.failed];
