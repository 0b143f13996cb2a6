// Fires cron inputs (SPEC §6): each tick is one commit of a file named by its
// RFC 3339 UTC instant; missed ticks are caught up oldest first, at most the
// newest `catch_up` of them (only the newest with `overwrite`), and a log line
// names what was skipped; a tick whose file exists is a no-op.
import type { App } from "../app.ts";
import { lookup, type Change } from "../repo/tree.ts";
import type { CronInput, PipelineSpec } from "../spec/types.ts";
import type { Input } from "../spec/types.ts";
import { catchUp, latestTick, parseSchedule } from "./schedule.ts";

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
  const missing: [string, string][] = [];
  for (const s of specs) {
    for (const c of cronInputs(s.input)) {
      if (!(await app.db.get("SELECT 1 FROM cron_inputs WHERE pipeline = ? AND name = ?", [s.name, c.name]))) missing.push([s.name, c.name]);
    }
  }
  if (!missing.length) return;
  const now = app.now().toISOString();
  await app.db.write(async (tx) => {
    for (const [p, n] of missing) await tx.run("INSERT OR IGNORE INTO cron_inputs (pipeline, name, start) VALUES (?, ?, ?)", [p, n, now]);
  });
}

/** When a cron input started ticking: its `start`, or when it was first synced (now, before that). */
export async function startOf(app: App, pipeline: string, c: CronInput): Promise<Date> {
  if (c.start) return new Date(c.start);
  const row = await app.db.get<{ start: string }>("SELECT start FROM cron_inputs WHERE pipeline = ? AND name = ?", [pipeline, c.name]);
  return row ? new Date(row.start) : app.now();
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

/** Commits every tick that is due by `now` for the pipeline's cron inputs; returns how many. */
export async function fireDueTicks(app: App, spec: PipelineSpec, now: Date): Promise<number> {
  let n = 0;
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
    for (const t of due) if (await commitTick(app, c, t)) n++;
  }
  return n;
}

/** One tick now on each cron input of `spec` (`calf run cron`). */
export async function fireNow(app: App, spec: PipelineSpec): Promise<number> {
  let n = 0;
  for (const c of cronInputs(spec.input)) if (await commitTick(app, c, app.now())) n++;
  return n;
}

/** Commits the tick file; with overwrite, deletes the older tick files in the same commit. */
export async function commitTick(app: App, c: CronInput, t: Date): Promise<boolean> {
  const name = `/${tickName(t)}`;
  const head = await app.repos.branchHead(c.repo, "master");
  if (head && (await lookup(app.repos.trees, head.tree, head.sizeBytes, name))) return false;
  const file = await app.store.putBytes(new TextEncoder().encode(`${tickName(t)}\n`));
  await app.repos.modify(c.repo, "master", "cron", async (base) => {
    const changes: Change[] = [{ path: name, file }];
    if (c.overwrite && head) {
      for (const e of await app.repos.listDir({ ...head, tree: base.root, sizeBytes: base.size }, "/", false)) {
        if (e.path !== name) changes.unshift({ path: e.path, file: null });
      }
    }
    return changes;
  });
  return true;
}
