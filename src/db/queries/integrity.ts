// The database's own consistency check (SQLite's PRAGMA integrity_check), for fsck:
// b-tree structure and indexes, not what the rows mean (ops/fsck.ts checks that).
import type { Db } from "../client.ts";

/** ["ok"] when the database file is sound, else SQLite's findings (at most `max`). */
export async function integrityCheck(db: Db, max = 100): Promise<string[]> {
  const rows = await db.all<Record<string, unknown>>(`PRAGMA integrity_check(${Math.max(1, Math.floor(max))})`);
  return rows.map((r) => String(Object.values(r)[0]));
}
