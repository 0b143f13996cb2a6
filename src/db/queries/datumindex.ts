// The datum index of each pipeline's last successful job: every datum (hash,
// merge key, state, the output paths it wrote) and every output path's
// writers in merge order. An incremental job reads the few rows its changes
// touch and patches them in its commit transaction; a full job rewrites them.
import type { Db, Tx } from "../client.ts";

export interface IndexedDatum {
  id: string;
  hash: string;
  sortKey: string[];
  state: string;
  outputs: string[];
}

const CHUNK = 400;

/** The job the pipeline's index describes, with that job's plan key. */
export async function indexHead(db: Db, pipeline: string): Promise<{ job: string; planKey: string } | undefined> {
  const r = await db.get<{ job: string; plan_key: string }>("SELECT job, plan_key FROM index_heads WHERE pipeline = ?", [pipeline]);
  return r && { job: r.job, planKey: r.plan_key };
}

/** The indexed datums among `ids` (missing ones are absent from the map). */
export async function indexedDatums(db: Db, pipeline: string, ids: Iterable<string>): Promise<Map<string, IndexedDatum>> {
  const out = new Map<string, IndexedDatum>();
  const all = [...new Set(ids)];
  for (let i = 0; i < all.length; i += CHUNK) {
    const chunk = all.slice(i, i + CHUNK);
    const rows = await db.all<Record<string, string>>(
      `SELECT id, hash, sort_key, state, outputs FROM datum_index WHERE pipeline = ? AND id IN (${chunk.map(() => "?").join(",")})`,
      [pipeline, ...chunk],
    );
    for (const r of rows) out.set(r.id!, toDatum(r));
  }
  return out;
}

/** Indexed datums in state `state` (a scan of the pipeline's rows: only asked when some exist). */
export async function indexedInState(db: Db, pipeline: string, state: string): Promise<IndexedDatum[]> {
  const rows = await db.all<Record<string, string>>("SELECT id, hash, sort_key, state, outputs FROM datum_index WHERE pipeline = ? AND state = ?", [pipeline, state]);
  return rows.map(toDatum);
}

/** Writers of each of `paths` that has any. */
export async function ownersOf(db: Db, pipeline: string, paths: Iterable<string>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const all = [...new Set(paths)];
  for (let i = 0; i < all.length; i += CHUNK) {
    const chunk = all.slice(i, i + CHUNK);
    const rows = await db.all<{ path: string; writers: string }>(
      `SELECT path, writers FROM output_owners WHERE pipeline = ? AND path IN (${chunk.map(() => "?").join(",")})`,
      [pipeline, ...chunk],
    );
    for (const r of rows) out.set(r.path, JSON.parse(r.writers));
  }
  return out;
}

/** Replaces the whole index of `pipeline` with one job's datums and owners. */
export async function writeIndex(tx: Tx, pipeline: string, head: { job: string; planKey: string }, datums: IndexedDatum[], owners: Map<string, string[]>): Promise<void> {
  await dropIndex(tx, pipeline);
  await upsertDatums(tx, pipeline, datums);
  await upsertOwners(tx, pipeline, [...owners]);
  await setHead(tx, pipeline, head);
}

/** Moves the index of `pipeline` to a job that changed only these rows. */
export async function patchIndex(
  tx: Tx,
  pipeline: string,
  head: { job: string; planKey: string },
  patch: { remove: string[]; upsert: IndexedDatum[]; owners: Map<string, string[] | null> },
): Promise<void> {
  for (let i = 0; i < patch.remove.length; i += CHUNK) {
    const chunk = patch.remove.slice(i, i + CHUNK);
    await tx.run(`DELETE FROM datum_index WHERE pipeline = ? AND id IN (${chunk.map(() => "?").join(",")})`, [pipeline, ...chunk]);
  }
  await upsertDatums(tx, pipeline, patch.upsert);
  const gone = [...patch.owners].filter(([, w]) => !w?.length).map(([p]) => p);
  for (let i = 0; i < gone.length; i += CHUNK) {
    const chunk = gone.slice(i, i + CHUNK);
    await tx.run(`DELETE FROM output_owners WHERE pipeline = ? AND path IN (${chunk.map(() => "?").join(",")})`, [pipeline, ...chunk]);
  }
  await upsertOwners(tx, pipeline, [...patch.owners].filter((e): e is [string, string[]] => !!e[1]?.length));
  await setHead(tx, pipeline, head);
}

/** Forgets the index of `pipeline` (its last job cannot be a base). */
export async function dropIndex(tx: Tx, pipeline: string): Promise<void> {
  await tx.run("DELETE FROM index_heads WHERE pipeline = ?", [pipeline]);
  await tx.run("DELETE FROM datum_index WHERE pipeline = ?", [pipeline]);
  await tx.run("DELETE FROM output_owners WHERE pipeline = ?", [pipeline]);
}

async function setHead(tx: Tx, pipeline: string, head: { job: string; planKey: string }) {
  await tx.run("INSERT OR REPLACE INTO index_heads (pipeline, job, plan_key) VALUES (?, ?, ?)", [pipeline, head.job, head.planKey]);
}

async function upsertDatums(tx: Tx, pipeline: string, datums: IndexedDatum[]) {
  for (let i = 0; i < datums.length; i += 100) {
    const chunk = datums.slice(i, i + 100);
    await tx.run(
      `INSERT OR REPLACE INTO datum_index (pipeline, id, hash, sort_key, state, outputs) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
      chunk.flatMap((d) => [pipeline, d.id, d.hash, JSON.stringify(d.sortKey), d.state, JSON.stringify(d.outputs)]),
    );
  }
}

async function upsertOwners(tx: Tx, pipeline: string, owners: [string, string[]][]) {
  for (let i = 0; i < owners.length; i += 200) {
    const chunk = owners.slice(i, i + 200);
    await tx.run(
      `INSERT OR REPLACE INTO output_owners (pipeline, path, writers) VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")}`,
      chunk.flatMap(([path, w]) => [pipeline, path, JSON.stringify(w)]),
    );
  }
}

function toDatum(r: Record<string, string>): IndexedDatum {
  return { id: r.id!, hash: r.hash!, sortKey: JSON.parse(r.sort_key!), state: r.state!, outputs: JSON.parse(r.outputs!) };
}

export interface IndexHeadRow {
  pipeline: string;
  job: string;
  /** The job's state and output commit (null when the job row is gone). */
  jobState: string | null;
  outputCommit: string | null;
  /** The output commit's tree, when that commit exists. */
  tree: string | null;
  sizeBytes: number;
}

/** Every pipeline's index head with the job and output commit it describes (fsck). */
export async function allIndexHeads(db: Db): Promise<IndexHeadRow[]> {
  const rows = await db.all<any>(
    `SELECT h.pipeline, h.job, j.state AS job_state, j.output_commit, c.tree, c.size_bytes
       FROM index_heads h LEFT JOIN jobs j ON j.id = h.job LEFT JOIN commits c ON c.id = j.output_commit
      ORDER BY h.pipeline`,
  );
  return rows.map((r) => ({
    pipeline: r.pipeline, job: r.job, jobState: r.job_state ?? null, outputCommit: r.output_commit ?? null, tree: r.tree ?? null, sizeBytes: Number(r.size_bytes ?? 0),
  }));
}

/** Every output path a pipeline's index names (its datums' outputs and the owners table), with the datum or "owners". */
export async function* indexedPaths(db: Db, pipeline: string, page = 1000): AsyncGenerator<{ path: string; datum: string | null }> {
  for (let off = 0; ; off += page) {
    const rows = await db.all<{ id: string; outputs: string }>("SELECT id, outputs FROM datum_index WHERE pipeline = ? ORDER BY id LIMIT ? OFFSET ?", [pipeline, page, off]);
    for (const r of rows) for (const p of JSON.parse(r.outputs) as string[]) yield { path: p, datum: r.id };
    if (rows.length < page) break;
  }
  for (let off = 0; ; off += page) {
    const rows = await db.all<{ path: string }>("SELECT path FROM output_owners WHERE pipeline = ? ORDER BY path LIMIT ? OFFSET ?", [pipeline, page, off]);
    for (const r of rows) yield { path: r.path, datum: null };
    if (rows.length < page) break;
  }
}
