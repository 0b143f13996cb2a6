// Cron inputs: when each (pipeline, input) was first synced, the default
// start of its schedule (SPEC §6).
import type { Db } from "../client.ts";
import type { Reader } from "./commits.ts";

export async function cronStart(r: Reader, pipeline: string, name: string): Promise<string | null> {
  return (await r.get<{ start: string }>("SELECT start FROM cron_inputs WHERE pipeline = ? AND name = ?", [pipeline, name]))?.start ?? null;
}

/** Records `start` for each (pipeline, input) not yet known; one transaction, none when all are known. */
export async function registerCron(db: Db, inputs: [pipeline: string, name: string][], start: string): Promise<void> {
  const missing: [string, string][] = [];
  for (const [p, n] of inputs) if ((await cronStart(db, p, n)) === null) missing.push([p, n]);
  if (!missing.length) return;
  await db.write(async (tx) => {
    for (const [p, n] of missing) await tx.run("INSERT OR IGNORE INTO cron_inputs (pipeline, name, start) VALUES (?, ?, ?)", [p, n, start]);
  });
}
