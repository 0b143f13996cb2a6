// The composition of one calf process: paths, database, object store, repos,
// and (for writers) the data dir's kernel write lock. Built by main.ts and
// passed to every command; the only place these are wired together.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { FileLock, Runtime } from "../runtime/types.ts";
import { openDb, type Db } from "./db/client.ts";
import { CalfError } from "./errors.ts";
import { Repos } from "./repo/repos.ts";
import { wakeRunner } from "./wake.ts";
import { FsObjectStore } from "./store/fs/store.ts";
import type { ObjectStore } from "./store/types.ts";
import type { Clock, Host } from "./host.ts";
import { parseDuration } from "./cron/duration.ts";
import { invalid } from "./errors.ts";
import { RunnerLease } from "./runnerlease.ts";

/** Where a command prints: results to stdout (JSON or text), notices and warnings to stderr. */
export interface Out {
  json: boolean;
  quiet: boolean;
  /** stdout is a terminal (binary refused, no tables cut); absent means no. */
  tty?: boolean;
  write(text: string): void;
  /** Progress and notices: stderr, suppressed by --quiet. */
  info(text: string): void;
  /** Warnings (something was not done as asked): stderr, even with --quiet. */
  warn(text: string): void;
  /** stderr itself, for a runner's progress: raw writes, whether it is a terminal, and its width. */
  stderr: { write(text: string): void; tty: boolean; columns(): number };
}

export interface Settings {
  dataDir: string;
  pipelinesDir: string;
  dbUrl: string;
  authToken?: string;
  /** Where objects live (store/open.ts): `file:` (the data dir's objects) or `s3://BUCKET/PREFIX`. */
  storeUrl: string;
}

export interface App {
  rt: Runtime;
  settings: Settings;
  db: Db;
  store: ObjectStore;
  repos: Repos;
  out: Out;
  /** The process's environment, cwd, CPUs and clock, read once by main.ts. */
  host: Host;
  clock: Clock;
  now: () => Date;
  /** The runner lock, held by `serve`/`run` for their whole life; null in every other command. */
  lock: FileLock | null;
  /** The runner lease in the database (runnerlease.ts), held beside the flock by serve/run; null elsewhere. */
  lease: RunnerLease | null;
  close(): void;
}

export function resolveSettings(flags: { dataDir?: string; pipelines?: string; db?: string; store?: string }, env: Record<string, string | undefined>, cwd: string): Settings {
  const dataDir = path.resolve(cwd, flags.dataDir ?? env.CALF_DATA_DIR ?? ".calf");
  const pipelinesDir = path.resolve(cwd, flags.pipelines ?? env.CALF_PIPELINES ?? "pipelines");
  let dbUrl = flags.db ?? env.CALF_DB_URL ?? `file:${path.join(dataDir, "calf.db")}`;
  let authToken = env.CALF_DB_AUTH_TOKEN;
  const m = /[?&]authToken=([^&]+)/.exec(dbUrl);
  if (m) {
    authToken = decodeURIComponent(m[1]!);
    dbUrl = dbUrl.replace(/[?&]authToken=[^&]+/, "");
  }
  const storeUrl = flags.store ?? (env.CALF_STORE || "file:");
  return { dataDir, pipelinesDir, dbUrl, authToken, storeUrl };
}

/**
 * Opens the data dir (creating it for `write`). A `runner` (serve, run) takes
 * the data dir's runner lock first (exit 75 when another runner holds it);
 * every other process wakes the runner after each write it commits.
 */
export async function openApp(rt: Runtime, settings: Settings, out: Out, host: Host, opts: { write: boolean; runner?: boolean; store?: ObjectStore }): Promise<App> {
  if (opts.write || opts.runner) fs.mkdirSync(settings.dataDir, { recursive: true });
  let lock: FileLock | null = null;
  if (opts.runner) lock = acquireRunnerLock(rt, settings.dataDir);
  try {
    const db = await openDb(settings.dbUrl, { authToken: settings.authToken });
    if (!opts.runner) db.afterWrite = () => wakeRunner(settings.dataDir);
    let lease: RunnerLease | null = null;
    if (opts.runner) {
      const me = { holder: globalThis.crypto.randomUUID(), host: os.hostname(), pid: process.pid, lockPath: runnerLockPath(settings.dataDir) };
      lease = await RunnerLease.acquire(db, me, () => host.clock.now().getTime(), leaseTtl(host.env.CALF_RUNNER_LEASE_TTL)).catch((err) => {
        db.close();
        throw err;
      });
    }
    const store: ObjectStore = opts.store ?? new FsObjectStore(settings.dataDir, rt, host.clock);
    const clock = host.clock;
    const now = () => clock.now();
    const repos = new Repos({ db, store, sha256: (s) => rt.sha256(s), now });
    return {
      rt, settings, db, store, repos, out, host, clock, now, lock, lease,
      close() {
        lease?.stop();
        db.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/** CALF_RUNNER_LEASE_TTL (a Go duration, default 30s): how long a runner's database lease lasts unrenewed. */
function leaseTtl(text: string | undefined): number | undefined {
  if (!text) return undefined;
  let ms = NaN;
  try {
    ms = parseDuration(text);
  } catch { /* said below */ }
  if (!(ms >= 300)) throw invalid(`CALF_RUNNER_LEASE_TTL "${text}" is not a duration of at least 300ms`, "e.g. CALF_RUNNER_LEASE_TTL=30s");
  return ms;
}

/** The runner lock file: one runner per data dir (a kernel lock: released when its holder dies). */
export function runnerLockPath(dataDir: string): string {
  return path.join(dataDir, "lock");
}

export function acquireRunnerLock(rt: Runtime, dataDir: string): FileLock {
  const lockPath = runnerLockPath(dataDir);
  const lock = rt.tryLock(lockPath);
  if (!lock) {
    let holder = "";
    try {
      holder = fs.readFileSync(lockPath, "utf8").trim(); // the holder writes its pid into the lock file
    } catch {
      // no pid recorded: say nothing about it
    }
    throw new CalfError("locked", `another calf runner${holder ? ` (pid ${holder})` : ""} is running on ${dataDir}`, {
      hint: "one serve/run per data dir: stop it first, or let it do the work (put file and the other data commands work while it runs)",
    });
  }
  return lock;
}
