// calf gc: removes objects nothing references (no commit, open or finished, no marker, no
// cached result) and what dead writers left. Safe beside a runner or a put: objects stored
// or reused within the grace period stay, and each removal is atomic against writers
// (ObjectStore.delete with unchangedSince). Only ObjectStore.list()/delete(): any driver.
import type { App } from "../app.ts";
import { jobStates } from "../db/queries/jobs.ts";
import { failed } from "../errors.ts";
import { findLeftovers, reclaim, type Leftover, type ProcessStart } from "./leftovers.ts";
import { collectRefs } from "./refs.ts";

/** Default grace period: objects stored or reused within it are kept. README "gc" says why an hour. */
export const DEFAULT_GRACE_MS = 60 * 60 * 1000;

export type OpsApp = Pick<App, "db" | "store" | "rt" | "settings" | "repos">;

export interface GcOptions {
  graceMs: number;
  now: () => number;
  /** Report what would go; remove nothing. */
  dryRun?: boolean;
  /** This process holds the runner lock (every scratch folder is a leftover). */
  runnerHeld?: boolean;
  processStart?: ProcessStart;
}

export interface Tally {
  count: number;
  bytes: number;
}

export interface GcReport {
  /** Objects the metadata references (all kept). */
  referenced: number;
  /** Unreferenced objects removed (or, dry run, that would be). */
  removed: Tally;
  /** Unreferenced objects kept because they were stored or reused within the grace period. */
  young: Tally;
  /** Unreferenced objects a writer reused while gc looked at them (kept). */
  raced: number;
  temp: Tally;
  scratch: Tally;
  /** Objects a killed gc had moved aside, put back. */
  restored: number;
}

export async function gc(app: OpsApp, opts: GcOptions): Promise<GcReport> {
  const report: GcReport = { referenced: 0, removed: tally(), young: tally(), raced: 0, temp: tally(), scratch: tally(), restored: 0 };
  // Leftovers first: an object a killed gc moved aside goes back before the sweep judges it again.
  const left = await leftovers(app, opts);
  for (const l of left) if (l.kind !== "aside") add(l.kind === "temp" ? report.temp : report.scratch, l.bytes);
  if (!opts.dryRun) report.restored = reclaim(left, app.settings.dataDir).restored;
  // Mark before listing: whatever a writer references after the mark, it stored or reused
  // (moved its mtime) just before, so the sweep sees it young.
  const refs = await collectRefs(app.db, (s) => app.rt.sha256(s));
  if (refs.badNodes.length) {
    const b = refs.badNodes[0]!;
    throw failed(`gc: tree node ${b.hash} is ${b.why}${refs.badNodes.length > 1 ? ` (and ${refs.badNodes.length - 1} more)` : ""}: what it references is unknown, so nothing was removed`, "run calf fsck to see what uses it");
  }
  report.referenced = refs.objects.size;
  const cutoff = opts.now() - opts.graceMs;
  for await (const o of app.store.list()) {
    if (refs.objects.has(o.hash)) continue;
    if (o.mtimeMs > cutoff) {
      add(report.young, o.size);
      continue;
    }
    if (opts.dryRun || (await app.store.delete(o.hash, { unchangedSince: o.mtimeMs }))) add(report.removed, o.size);
    else report.raced++;
  }
  return report;
}

/** Leftover temp files and scratch folders (not removed). */
export function leftovers(app: OpsApp, opts: Pick<GcOptions, "runnerHeld" | "processStart">): Promise<Leftover[]> {
  return findLeftovers({
    dataDir: app.settings.dataDir,
    runnerHeld: !!opts.runnerHeld,
    jobStates: (ids) => jobStates(app.db, ids) as Promise<Map<string, string>>,
    processStart: opts.processStart,
  });
}

/**
 * At a runner's start (run, run --once; serve too): removes what killed or
 * failed writers left, never a live writer's temp file. Returns what went.
 */
export async function reclaimAtStart(app: OpsApp): Promise<{ files: number; scratch: number; bytes: number; restored: number }> {
  const left = await leftovers(app, { runnerHeld: true });
  const r = reclaim(left, app.settings.dataDir);
  const files = left.filter((l) => l.kind === "temp").length;
  return { files, scratch: left.filter((l) => l.kind === "scratch").length, bytes: r.bytes, restored: r.restored };
}

export const tally = (): Tally => ({ count: 0, bytes: 0 });

export function add(t: Tally, bytes: number): void {
  t.count++;
  t.bytes += bytes;
}
