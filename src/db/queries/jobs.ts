// Job rows and their datums; successful datum results (the skip cache).
import { compareBytes, compareKeys } from "../../plan/bytewise.ts";
import { datumSortKey } from "../../plan/identity.ts";
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
  /** Datums each remote worker ran to an end in this job (serve with workers); absent or empty when none did. */
  workers?: Record<string, number>;
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
  /** The remote worker that ran it; null or absent: the runner's own slots (or skipped). */
  worker?: string | null;
}

const toJob = (r: any): JobRow => ({
  id: r.id, pipeline: r.pipeline, state: r.state, reason: r.reason ?? null, started: r.started,
  finished: r.finished ?? null, inputCommits: JSON.parse(r.input_commits), outputCommit: r.output_commit ?? null,
  fingerprint: r.fingerprint, salt: r.salt, version: Number(r.version), total: Number(r.total),
  processed: Number(r.processed), skipped: Number(r.skipped), failed: Number(r.failed),
  recovered: Number(r.recovered), stats: JSON.parse(r.stats ?? "{}"),
  ...(r.workers ? { workers: JSON.parse(r.workers) } : {}),
});

export async function insertJob(
  tx: Tx,
  j: Omit<JobRow, "total" | "processed" | "skipped" | "failed" | "recovered" | "stats" | "finished" | "outputCommit" | "reason"> & Partial<Pick<JobRow, "reason" | "finished" | "total" | "skipped">>,
): Promise<void> {
  const seq = Number((await tx.get<{ s: number }>("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM jobs"))!.s);
  await tx.run(
    `INSERT INTO jobs (id, seq, pipeline, state, reason, started, finished, input_commits, fingerprint, salt, version, total, skipped)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [j.id, seq, j.pipeline, j.state, j.reason ?? null, j.started, j.finished ?? null, JSON.stringify(j.inputCommits), j.fingerprint, j.salt, j.version, j.total ?? 0, j.skipped ?? 0],
  );
}

/** A running job's datum counts so far (other processes read them: list job, the API). */
export async function updateJobCounts(tx: Tx, id: string, c: Pick<JobRow, "total" | "processed" | "skipped" | "failed" | "recovered" | "workers">): Promise<void> {
  await tx.run("UPDATE jobs SET total = ?, processed = ?, skipped = ?, failed = ?, recovered = ?, workers = ? WHERE id = ? AND state = 'running'", [c.total, c.processed, c.skipped, c.failed, c.recovered, workersText(c.workers), id]);
}

export async function finishJob(tx: Tx, id: string, f: Pick<JobRow, "state" | "reason" | "outputCommit" | "total" | "processed" | "skipped" | "failed" | "recovered" | "stats" | "workers"> & { finished: string }): Promise<void> {
  await tx.run(
    `UPDATE jobs SET state = ?, reason = ?, finished = ?, output_commit = ?, total = ?, processed = ?, skipped = ?, failed = ?, recovered = ?, stats = ?, workers = ? WHERE id = ?`,
    [f.state, f.reason, f.finished, f.outputCommit, f.total, f.processed, f.skipped, f.failed, f.recovered, JSON.stringify(f.stats), workersText(f.workers), id],
  );
}

const workersText = (w: Record<string, number> | undefined) => (w && Object.keys(w).length ? JSON.stringify(w) : null);

export async function getJob(db: Db, id: string): Promise<JobRow | undefined> {
  const r = await db.get("SELECT * FROM jobs WHERE id = ?", [id]);
  if (r) return toJob(r);
  if (/^[0-9a-f]{4,}$/.test(id)) {
    const rows = await db.all("SELECT * FROM jobs WHERE id LIKE ? LIMIT 2", [`${id}%`]);
    if (rows.length === 1) return toJob(rows[0]);
  }
  return undefined;
}

/** Jobs newest first; `after` (a job id): only those older than it (the next page). */
export async function listJobs(db: Db, opts: { pipeline?: string; limit?: number; states?: JobState[]; after?: string } = {}): Promise<JobRow[]> {
  const conds = [
    ...(opts.pipeline ? ["pipeline = ?"] : []),
    ...(opts.states?.length ? [`state IN (${opts.states.map(() => "?").join(",")})`] : []),
    ...(opts.after ? ["seq < (SELECT seq FROM jobs WHERE id = ?)"] : []),
  ];
  const where = conds.length ? `WHERE ${conds.join(" AND ")}` : "";
  const args: (string | number)[] = [...(opts.pipeline ? [opts.pipeline] : []), ...(opts.states ?? []), ...(opts.after ? [opts.after] : [])];
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
/** Marks the jobs a dead runner left running as killed (a runner's start); returns their ids. */
export async function markDeadJobs(db: Db, now: string): Promise<string[]> {
  if (!(await db.get("SELECT 1 FROM jobs WHERE state IN ('running', 'created') LIMIT 1"))) return [];
  return db.write(async (tx) => {
    const rows = await tx.all<{ id: string }>("SELECT id FROM jobs WHERE state IN ('running', 'created')");
    for (const r of rows) await tx.run("UPDATE jobs SET state = 'killed', reason = 'runner died', finished = ? WHERE id = ?", [now, r.id]);
    return rows.map((r) => r.id);
  });
}

/** An incremental job's list by reference: its base job, and the base's datums it does not inherit. */
export interface DatumsBase {
  job: string;
  dropped: string[];
  /** The base's own depth + 1. */
  depth: number;
}

/**
 * Stores the datums of a job at once (one row: see schema.ts jobDatums): all
 * of them, or with `base` only those it re-planned.
 */
export async function insertDatums(tx: Tx, job: string, rows: DatumRow[], base?: DatumsBase): Promise<void> {
  const body = JSON.stringify(rows.map((d) => [d.id, d.idx, d.hash, d.state, d.inputs, Math.round(d.durationMs), d.tries, d.reason, ...(d.worker ? [d.worker] : [])]));
  await tx.run("INSERT OR REPLACE INTO job_datums (job, body, base, dropped, depth) VALUES (?, ?, ?, ?, ?)", [
    job, body, base?.job ?? null, base ? JSON.stringify(base.dropped) : null, base?.depth ?? 0,
  ]);
}

/** How many bases a job's list refers through before it reaches a whole list. */
export async function datumsDepth(db: Db | Tx, job: string): Promise<number | undefined> {
  const r = await db.get<{ depth: number }>("SELECT depth FROM job_datums WHERE job = ?", [job]);
  return r ? Number(r.depth) : undefined;
}

/**
 * Every datum of a job in merge order: its own rows, then (following `base`)
 * every inherited datum not dropped on the way, as skipped on this job's
 * input commit — what the job would have stored had it stored them all.
 */
export async function listDatums(db: Db, job: string): Promise<DatumRow[]> {
  const own: DatumRow[] = [];
  const inherited: DatumRow[] = [];
  const seen = new Set<string>();
  let commits: Map<string, string> | null = null;
  for (let at: string | null = job, first = true; at; first = false) {
    const row: { body: string; base: string | null; dropped: string | null } | undefined = await db.get("SELECT body, base, dropped FROM job_datums WHERE job = ?", [at]);
    if (!row) break;
    for (const [id, idx, hash, state, inputs, durationMs, tries, reason, worker] of JSON.parse(row.body) as any[][]) {
      if (seen.has(id)) continue;
      seen.add(id);
      (first ? own : inherited).push({ job, id, idx, hash, state, inputs, durationMs, tries, reason, ...(worker ? { worker } : {}) });
    }
    for (const id of row.dropped ? (JSON.parse(row.dropped) as string[]) : []) seen.add(id);
    at = row.base;
    if (at && !commits) {
      const j = await db.get<{ input_commits: string }>("SELECT input_commits FROM jobs WHERE id = ?", [job]);
      commits = new Map((j ? (JSON.parse(j.input_commits) as { repo: string; commit: string }[]) : []).map((c) => [c.repo, c.commit]));
    }
  }
  if (!inherited.length) return own;
  for (const d of inherited) {
    d.state = "skipped";
    d.durationMs = 0;
    d.tries = 0;
    d.reason = null;
    delete d.worker;
    d.inputs = d.inputs.map((i) => ({ ...i, commit: commits?.get(i.repo) ?? i.commit }));
  }
  const keyed = [...own, ...inherited].map((d) => ({ d, key: datumSortKey(d.inputs) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || compareBytes(a.d.id, b.d.id));
  return keyed.map(({ d }, idx) => ({ ...d, idx }));
}

/** A datum of a job by id or unique id prefix (>= 4 hex). */
export async function getDatum(db: Db, job: string, id: string): Promise<DatumRow | undefined> {
  const all = await listDatums(db, job);
  const exact = all.find((d) => d.id === id);
  if (exact || !/^[0-9a-f]{4,}$/.test(id)) return exact;
  const hits = all.filter((d) => d.id.startsWith(id));
  return hits.length === 1 ? hits[0] : undefined;
}

/** How many jobs are in each state. */
export async function jobStateCounts(db: Db): Promise<[string, number][]> {
  return (await db.all<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state")).map((r) => [r.state, Number(r.n)]);
}

/** Each pipeline's last successful job's end. */
export async function lastSuccessTimes(db: Db): Promise<[string, string][]> {
  return (await db.all<{ pipeline: string; t: string }>("SELECT pipeline, MAX(finished) AS t FROM jobs WHERE state = 'success' GROUP BY pipeline ORDER BY pipeline")).map((r) => [r.pipeline, r.t]);
}

/** Successful jobs whose output commit does not exist. */
export async function jobsWithoutOutput(db: Db): Promise<{ id: string; pipeline: string; outputCommit: string | null }[]> {
  const rows = await db.all<any>(
    `SELECT j.id, j.pipeline, j.output_commit FROM jobs j
      WHERE j.state = 'success' AND (j.output_commit IS NULL OR NOT EXISTS (SELECT 1 FROM commits c WHERE c.id = j.output_commit))
      ORDER BY j.seq`,
  );
  return rows.map((r) => ({ id: r.id, pipeline: r.pipeline, outputCommit: r.output_commit ?? null }));
}

/** The state of each job of `ids` that exists. */
export async function jobStates(db: Db, ids: readonly string[]): Promise<Map<string, JobState>> {
  const out = new Map<string, JobState>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.all<{ id: string; state: JobState }>(`SELECT id, state FROM jobs WHERE id IN (${chunk.map(() => "?").join(",")})`, [...chunk]);
    for (const r of rows) out.set(r.id, r.state);
  }
  return out;
}
