// Datum results (SPEC §4.3: the skip cache): per pipeline, datum hash ->
// the outputs of the datum's successful run. Found by hash when planning,
// saved by the recorder as datums finish, forgotten by restart datum, read
// whole (a page at a time) by store push, fsck and gc.
import type { Db, Tx } from "../client.ts";

export interface ResultRow {
  hash: string;
  datum: string;
  outputs: { path: string; hash: string; size: number }[];
}

/** Successful results of `pipeline` for any of `hashes`. */
export async function findResults(db: Db, pipeline: string, hashes: string[]): Promise<Map<string, ResultRow>> {
  const out = new Map<string, ResultRow>();
  for (let i = 0; i < hashes.length; i += 500) {
    const chunk = hashes.slice(i, i + 500);
    const rows = await db.all<any>(
      `SELECT hash, datum, outputs FROM datum_results WHERE pipeline = ? AND hash IN (${chunk.map(() => "?").join(",")})`,
      [pipeline, ...chunk],
    );
    for (const r of rows) out.set(r.hash, { hash: r.hash, datum: r.datum, outputs: JSON.parse(r.outputs) });
  }
  return out;
}

export async function saveResults(tx: Tx, pipeline: string, job: string, rows: ResultRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    await tx.run(
      `INSERT OR REPLACE INTO datum_results (pipeline, hash, datum, job, outputs) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
      chunk.flatMap((r) => [pipeline, r.hash, r.datum, job, JSON.stringify(r.outputs)]),
    );
  }
}

/** Forgets every cached result of one datum id (restart datum). */
export async function forgetDatum(db: Db, pipeline: string, datum: string): Promise<number> {
  return db.write(async (tx) => {
    const n = await tx.all("SELECT hash FROM datum_results WHERE pipeline = ? AND datum = ?", [pipeline, datum]);
    await tx.run("DELETE FROM datum_results WHERE pipeline = ? AND datum = ?", [pipeline, datum]);
    return n.length;
  });
}

/** Forgets every cached result of each datum id in one transaction (reprocess); returns how many results went. */
export async function forgetDatums(tx: Tx, pipeline: string, datums: readonly string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < datums.length; i += 400) {
    const chunk = datums.slice(i, i + 400);
    const marks = chunk.map(() => "?").join(",");
    n += (await tx.all(`SELECT hash FROM datum_results WHERE pipeline = ? AND datum IN (${marks})`, [pipeline, ...chunk])).length;
    await tx.run(`DELETE FROM datum_results WHERE pipeline = ? AND datum IN (${marks})`, [pipeline, ...chunk]);
  }
  return n;
}

/** Every cached datum result, a page at a time (fsck and gc read them all). */
export async function* eachResult(db: Db, page = 1000): AsyncGenerator<ResultRow & { pipeline: string; job: string }> {
  let after: [string, string] = ["", ""];
  for (;;) {
    const rows = await db.all<any>(
      "SELECT pipeline, hash, datum, job, outputs FROM datum_results WHERE (pipeline, hash) > (?, ?) ORDER BY pipeline, hash LIMIT ?",
      [after[0], after[1], page],
    );
    for (const r of rows) yield { pipeline: r.pipeline, hash: r.hash, datum: r.datum, job: r.job, outputs: JSON.parse(r.outputs) };
    if (rows.length < page) return;
    const last = rows[rows.length - 1];
    after = [last.pipeline, last.hash];
  }
}
