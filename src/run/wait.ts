// Waiting for work another calf does (SPEC §2.1 `wait commit`, §2.2 `wait job`):
// poll the database; when nobody holds the write lock, nobody will finish
// the work, so say so instead of blocking forever.
import * as path from "node:path";
import type { App } from "../app.ts";
import { getJob, lastJob, type JobRow } from "../db/queries/jobs.ts";
import { listPipelines } from "../db/queries/pipelines.ts";
import { failed } from "../errors.ts";
import type { CommitInfo } from "../repo/repos.ts";
import { inputRepos } from "../plan/input.ts";
import { heads, ready } from "./inputs.ts";
import { identityOf } from "./fingerprint.ts";

const POLL_MS = 200;

function runnerAlive(app: App): boolean {
  const lock = app.rt.tryLock(path.join(app.settings.dataDir, "lock"));
  if (!lock) return true;
  lock.release();
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForJob(app: App, id: string): Promise<JobRow> {
  for (;;) {
    const j = (await getJob(app.db, id))!;
    if (j.state !== "running" && j.state !== "created") return j;
    if (!runnerAlive(app)) throw failed(`job ${id} is ${j.state} but no calf serve/run is running to finish it`, "start one: calf run --once (a dead runner's job is marked killed and redone)");
    await sleep(POLL_MS);
  }
}

/** Waits until every pipeline downstream of `c.repo` has a finished job for its current inputs. */
export async function waitForCommit(app: App, c: CommitInfo): Promise<JobRow[]> {
  for (;;) {
    const pipelines = (await listPipelines(app.db)).filter((p) => p.active && !p.spec.spout);
    const downstream = new Set<string>([c.repo]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of pipelines) {
        if (!downstream.has(p.name) && inputRepos(p.spec.input).some((r) => downstream.has(r))) {
          downstream.add(p.name);
          grew = true;
        }
      }
    }
    const jobs: JobRow[] = [];
    const pending: string[] = [];
    for (const p of pipelines) {
      if (!downstream.has(p.name) || p.name === c.repo || p.paused) continue;
      const hs = await heads(app.repos, p.spec.input);
      if (!ready(hs)) {
        pending.push(p.name);
        continue;
      }
      const done = await lastJob(app.db, p.name, ["success", "failure"], identityOf(p, hs, (s) => app.rt.sha256(s)).fingerprint);
      if (done && !p.forceDue) jobs.push(done);
      else pending.push(p.name);
    }
    // An upstream that failed leaves its downstream unrunnable: finished, not pending.
    const failedUp = jobs.filter((j) => j.state !== "success").map((j) => j.pipeline);
    const stillPending = pending.filter((n) => !pipelines.find((p) => p.name === n && inputRepos(p.spec.input).some((r) => failedUp.includes(r))));
    if (!stillPending.length) return jobs;
    if (!runnerAlive(app)) {
      throw failed(`pipeline${stillPending.length > 1 ? "s" : ""} ${stillPending.join(", ")} still ha${stillPending.length > 1 ? "ve" : "s"} work from ${c.repo}@${c.id.slice(0, 12)} and no calf serve/run is running to do it`, "run: calf run --once");
    }
    await sleep(POLL_MS);
  }
}
