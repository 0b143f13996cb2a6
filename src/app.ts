// The composition of one calf process: paths, database, object store, repos,
// and (for writers) the data dir's kernel write lock. Built by main.ts and
// passed to every command; the only place these are wired together.
import * as fs from "node:fs";
import * as path from "node:path";
import type { FileLock, Runtime } from "../runtime/types.ts";
import { openDb, type Db } from "./db/client.ts";
import { CalfError } from "./errors.ts";
import { Repos } from "./repo/repos.ts";
import { FsObjectStore } from "./store/fs/store.ts";
import type { ObjectStore } from "./store/types.ts";
import type { Out } from "./cli/output.ts";

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
  now: () => Date;
  lock: FileLock | null;
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

/** Opens the data dir. `write` takes the kernel write lock first (exit 75 when held). */
export async function openApp(rt: Runtime, settings: Settings, out: Out, opts: { write: boolean; store?: ObjectStore }): Promise<App> {
  fs.mkdirSync(settings.dataDir, { recursive: true });
  let lock: FileLock | null = null;
  if (opts.write) lock = acquireWriteLock(rt, settings.dataDir);
  try {
    const db = await openDb(settings.dbUrl, { authToken: settings.authToken });
    const store: ObjectStore = opts.store ?? new FsObjectStore(settings.dataDir, rt);
    const now = () => new Date();
    const repos = new Repos({ db, store, sha256: (s) => rt.sha256(s), now });
    return {
      rt, settings, db, store, repos, out, now, lock,
      close() {
        db.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

export function acquireWriteLock(rt: Runtime, dataDir: string): FileLock {
  const lockPath = path.join(dataDir, "lock");
  const lock = rt.tryLock(lockPath);
  if (!lock) {
    let holder = "";
    try {
      holder = fs.readFileSync(lockPath, "utf8").trim(); // the holder writes its pid into the lock file
    } catch {
      // no pid recorded: say nothing about it
    }
    throw new CalfError("locked", `another calf${holder ? ` (pid ${holder})` : ""} holds the write lock on ${dataDir}`, {
      hint: "wait for it to finish, or stop the running calf serve; read-only commands still work",
    });
  }
  return lock;
}
