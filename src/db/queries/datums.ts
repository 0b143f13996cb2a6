// Look-ups of datums across jobs: whether an id (prefix) names any datum,
// and a datum result's output paths. See jobs.ts for a job's own datum list.
import type { Db } from "../client.ts";

/**
 * Whether some job (of `pipeline`, if given) has a datum whose id starts with
 * `prefix` (lowercase hex). Each datum is stored as an array opening with its
 * id (`["<id>",`), so one LIKE over the job lists answers it.
 */
export async function datumIdKnown(db: Db, prefix: string, pipeline?: string): Promise<boolean> {
  if (!/^[0-9a-f]+$/.test(prefix)) return false;
  const row = await db.get(
    `SELECT 1 FROM job_datums d JOIN jobs j ON j.id = d.job WHERE d.body LIKE ?${pipeline ? " AND j.pipeline = ?" : ""} LIMIT 1`,
    pipeline ? [`%["${prefix}%`, pipeline] : [`%["${prefix}%`],
  );
  return row !== undefined;
}

/** The output paths of a pipeline's successful result for a datum hash ([] when none is recorded). */
export async function resultOutputs(db: Db, pipeline: string, hash: string): Promise<string[]> {
  const res = await db.get<{ outputs: string }>("SELECT outputs FROM datum_results WHERE pipeline = ? AND hash = ?", [pipeline, hash]);
  return res ? (JSON.parse(res.outputs) as { path: string }[]).map((o) => o.path) : [];
}
