// Fires cron inputs (SPEC §6): each tick is one commit of a file named by its
// RFC 3339 UTC instant; missed ticks are caught up oldest first, at most the
// newest `catch_up` of them (only the newest with `overwrite`), and a log line
// names what was skipped; a tick whose file exists is a no-op.
import type { App } from "../app.ts";
import type { CommitInfo } from "../db/queries/commits.ts";
import { cronStart, registerCron } from "../db/queries/cron.ts";
import { lookup, type Change } from "../repo/tree.ts";
import type { CronInput, PipelineSpec } from "../spec/types.ts";
import type { Input } from "../spec/types.ts";
import { catchUp, latestTick, parseSchedule } from "../cron/schedule.ts";

/** Missed ticks made per input at most when `catch_up` is not set: a start far in the past cannot run away. */
export const DEFAULT_CATCH_UP = 100;

export function cronInputs(input: Input | null): CronInput[] {
  if (!input) return [];
  if (input.kind === "cron") return [input];
  if (input.kind === "pfs") return [];
  return input.inputs.flatMap(cronInputs);
}

export function tickName(t: Date): string {
  return new Date(Math.floor(t.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Records when each cron input started ticking (first sync), unless the spec names `start`. */
export async function registerCronInputs(app: App, specs: PipelineSpec[]): Promise<void> {
  const inputs = specs.flatMap((s) => cronInputs(s.input).map((c): [string, string] => [s.name, c.name]));
  await registerCron(app.db, inputs, app.now().toISOString());
}

/** When a cron input started ticking: its `start`, or when it was first synced (now, before that). */
export async function startOf(app: App, pipeline: string, c: CronInput): Promise<Date> {
  if (c.start) return new Date(c.start);
  const start = await cronStart(app.db, pipeline, c.name);
  return start ? new Date(start) : app.now();
}

/** Newest tick already committed to the cron repo, or null. */
export async function lastTick(app: App, repo: string): Promise<Date | null> {
  const head = await app.repos.branchHead(repo, "master");
  if (!head) return null;
  let newest: Date | null = null;
  for (const e of await app.repos.listDir(head, "/", false)) {
    const t = Date.parse(e.path.slice(1));
    if (e.type === "file" && !Number.isNaN(t) && (!newest || t > newest.getTime())) newest = new Date(t);
  }
  return newest;
}

/** Commits every tick that is due by `now` for the pipeline's cron inputs; returns the commits made. */
export async function fireDueTicks(app: App, spec: PipelineSpec, now: Date): Promise<CommitInfo[]> {
  const made: CommitInfo[] = [];
  for (const c of cronInputs(spec.input)) {
    const schedule = parseSchedule(c.spec);
    const start = await startOf(app, spec.name, c);
    const from = (await lastTick(app, c.repo)) ?? start;
    let due: Date[];
    if (c.overwrite) due = [latestTick(schedule, start, from, now)].filter((t): t is Date => t !== null);
    else {
      const max = c.catchUp ?? DEFAULT_CATCH_UP;
      const plan = catchUp(schedule, start, from, now, max);
      due = plan.ticks;
      const s = plan.skipped;
      if (s) {
        app.out.info(
          `calf: cron input "${c.name}" of ${spec.name}: skipped ${s.exact ? "" : "at least "}${s.count} missed tick${s.count === 1 ? "" : "s"} ` +
            `from ${tickName(s.first)} to ${tickName(s.last)}; making the newest ${due.length} (catch_up: ${max})`,
        );
      }
    }
    for (const t of due) {
      const commit = await commitTick(app, c, t);
      if (commit) made.push(commit);
    }
  }
  return made;
}

/** One tick now on each cron input of `spec` (`calf run cron`). */
export async function fireNow(app: App, spec: PipelineSpec): Promise<number> {
  let n = 0;
  for (const c of cronInputs(spec.input)) if (await commitTick(app, c, app.now())) n++;
  return n;
}

/** Commits the tick file (with overwrite, deleting the older tick files in the same commit); null when it exists. */
export async function commitTick(app: App, c: CronInput, t: Date): Promise<CommitInfo | null> {
  const name = `/${tickName(t)}`;
  const head = await app.repos.branchHead(c.repo, "master");
  if (head && (await lookup(app.repos.trees, head.tree, head.sizeBytes, name))) return null;
  const file = await app.store.putBytes(new TextEncoder().encode(`${tickName(t)}\n`));
  const commit = await app.repos.modify(c.repo, "master", "cron", async (base) => {
    const changes: Change[] = [{ path: name, file }];
    if (c.overwrite && head) {
      for (const e of await app.repos.listDir({ ...head, tree: base.root, sizeBytes: base.size }, "/", false)) {
        if (e.path !== name) changes.unshift({ path: e.path, file: null });
      }
    }
    return changes;
  });
  return commit.unchanged ? null : commit;
}
