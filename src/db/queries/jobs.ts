// Job rows and their datums; successful datum results (the skip cache).
import type { Db, Tx } from "../client.ts";

export type JobState = "created" | "running" | "success" | "failure" | "killed" | "unrunnable";

export interface JobRow {
  id: string;
  pipeline: string;
  state: JobState;
  reason: string | null;
  started: string;
  finished: string | null;
  inputCommits: { repo: string; commit: string }[];
  outputCommit: string | null;
  fingerprint: string;
  salt: string;
  version: number;
  total: number;
  processed: number;
  skipped: number;
  failed: number;
  recovered: number;
  stats: Record<string, number>;
}

export interface DatumRow {
  job: string;
  id: string;
  idx: number;
  hash: string;
  state: "success" | "skipped" | "failed" | "recovered";
  inputs: { name: string; repo: string; branch: string; commit: string; path: string; hash: string; type: string }[];
  durationMs: number;
  tries: number;
  reason: string | null;
}

const toJob = (r: any): JobRow => ({
  id: r.id, pipeline: r.pipeline, state: r.state, reason: r.reason ?? null, started: r.started,
  finished: r.finished ?? null, inputCommits: JSON.parse(r.input_commits), outputCommit: r.output_commit ?? null,
  fingerprint: r.fingerprint, salt: r.salt, version: Number(r.version), total: Number(r.total),
  processed: Number(r.processed), skipped: Number(r.skipped), failed: Number(r.failed),
  recovered: Number(r.recovered), stats: JSON.parse(r.stats ?? "{}"),
});

const toDatum = (r: any): DatumRow => ({
  job: r.job, id: r.id, idx: Number(r.idx), hash: r.hash, state: r.state, inputs: JSON.parse(r.inputs),
  durationMs: Number(r.duration_ms), tries: Number(r.tries), reason: r.reason ?? null,
});

export async function insertJob(tx: Tx, j: Omit<JobRow, "total" | "processed" | "skipped" | "failed" | "recovered" | "stats" | "finished" | "outputCommit" | "reason"> & { reason?: string | null; finished?: string | null }): Promise<void> {
  const seq = Number((await tx.get<{ s: number }>("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM jobs"))!.s);
  await tx.run(
    `INSERT INTO jobs (id, seq, pipeline, state, reason, started, finished, input_commits, fingerprint, salt, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [j.id, seq, j.pipeline, j.state, j.reason ?? null, j.started, j.finished ?? null, JSON.stringify(j.inputCommits), j.fingerprint, j.salt, j.version],
  );
}

export async function finishJob(tx: Tx, id: string, f: Pick<JobRow, "state" | "reason" | "outputCommit" | "total" | "processed" | "skipped" | "failed" | "recovered" | "stats"> & { finished: string }): Promise<void> {
  await tx.run(
    `UPDATE jobs SET state = ?, reason = ?, finished = ?, output_commit = ?, total = ?, processed = ?, skipped = ?, failed = ?, recovered = ?, stats = ? WHERE id = ?`,
    [f.state, f.reason, f.finished, f.outputCommit, f.total, f.processed, f.skipped, f.failed, f.recovered, JSON.stringify(f.stats), id],
  );
}

export async function getJob(db: Db, id: string): Promise<JobRow | undefined> {
  const r = await db.get("SELECT * FROM jobs WHERE id = ?", [id]);
  if (r) return toJob(r);
  if (/^[0-9a-f]{4,}$/.test(id)) {
    const rows = await db.all("SELECT * FROM jobs WHERE id LIKE ? LIMIT 2", [`${id}%`]);
    if (rows.length === 1) return toJob(rows[0]);
  }
  return undefined;
}

export async function listJobs(db: Db, opts: { pipeline?: string; limit?: number } = {}): Promise<JobRow[]> {
  const where = opts.pipeline ? "WHERE pipeline = ?" : "";
  const args: (string | number)[] = opts.pipeline ? [opts.pipeline] : [];
  if (opts.limit) args.push(opts.limit);
  return (await db.all(`SELECT * FROM jobs ${where} ORDER BY seq DESC${opts.limit ? " LIMIT ?" : ""}`, args)).map(toJob);
}

/** The newest job of a pipeline in one of `states`, optionally with a fingerprint. */
export async function lastJob(db: Db | Tx, pipeline: string, states: JobState[], fingerprint?: string): Promise<JobRow | undefined> {
  const r = await db.get(
    `SELECT * FROM jobs WHERE pipeline = ? AND state IN (${states.map(() => "?").join(",")})${fingerprint ? " AND fingerprint = ?" : ""} ORDER BY seq DESC LIMIT 1`,
    fingerprint ? [pipeline, ...states, fingerprint] : [pipeline, ...states],
  );
  return r ? toJob(r) : undefined;
}

/** Marks jobs left running by a dead calf as killed (call with the write lock held). */
export async function killOrphans(db: Db, now: string): Promise<string[]> {
  return db.write(async (tx) => {
    const rows = await tx.all<{ id: string }>("SELECT id FROM jobs WHERE state IN ('running', 'created')");
    for (const r of rows) await tx.run("UPDATE jobs SET state = 'killed', reason = 'runner died', finished = ? WHERE id = ?", [now, r.id]);
    return rows.map((r) => r.id);
  });
}

export async function insertDatums(tx: Tx, rows: DatumRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    await tx.run(
      `INSERT OR REPLACE INTO datums (job, id, idx, hash, state, inputs, duration_ms, tries, reason) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      chunk.flatMap((d) => [d.job, d.id, d.idx, d.hash, d.state, JSON.stringify(d.inputs), Math.round(d.durationMs), d.tries, d.reason]),
    );
  }
}

export async function listDatums(db: Db, job: string): Promise<DatumRow[]> {
  return (await db.all("SELECT * FROM datums WHERE job = ? ORDER BY idx", [job])).map(toDatum);
}

export async function getDatum(db: Db, job: string, id: string): Promise<DatumRow | undefined> {
  let r = await db.get("SELECT * FROM datums WHERE job = ? AND id = ?", [job, id]);
  if (!r && /^[0-9a-f]{4,}$/.test(id)) {
    const rows = await db.all("SELECT * FROM datums WHERE job = ? AND id LIKE ? LIMIT 2", [job, `${id}%`]);
    if (rows.length === 1) r = rows[0];
  }
  return r ? toDatum(r) : undefined;
}

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
