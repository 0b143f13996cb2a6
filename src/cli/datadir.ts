// Whether a data dir is there to read, checked before main.ts opens it:
// read-only commands must never create one (SPEC §2), and say so as git
// does ("not a git repository") instead of reporting an empty one.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Settings } from "../app.ts";
import { CalfError, notFound } from "../errors.ts";

const HINT = 'start one here with "calf create repo NAME", or point --data-dir (or CALF_DATA_DIR) at your data';

/** The local file of a `file:` database URL, or null for a server URL. */
export function dbFileOf(dbUrl: string, cwd: string): string | null {
  if (!dbUrl.startsWith("file:")) return null;
  const rest = dbUrl.slice("file:".length).replace(/^\/\/(?=\/)/, "").replace(/\?.*$/, "");
  return rest === ":memory:" ? null : path.resolve(cwd, decodeURIComponent(rest));
}

/** Null when the data dir (and a `file:` database) exists; else the error to report. */
export function missingData(settings: Settings, cwd: string): CalfError | null {
  const st = fs.statSync(settings.dataDir, { throwIfNoEntry: false });
  if (!st) return notFound(`not a calf data dir: ${settings.dataDir} does not exist`, HINT);
  if (!st.isDirectory()) return notFound(`not a calf data dir: ${settings.dataDir} is not a folder`, HINT);
  const db = dbFileOf(settings.dbUrl, cwd);
  if (db && !fs.existsSync(db)) return notFound(`not a calf data dir: ${settings.dataDir} holds no calf database (${db})`, HINT);
  return null;
}
