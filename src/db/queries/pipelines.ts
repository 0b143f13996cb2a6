// Pipeline rows: the database's copy of the specs folder, with versions.
import type { Db, Tx } from "../client.ts";
import type { PipelineSpec } from "../../spec/types.ts";

export interface PipelineRow {
  name: string;
  specFile: string;
  spec: PipelineSpec;
  version: number;
  versionHash: string;
  reprocessNonce: number;
  paused: boolean;
  active: boolean;
  forceDue: boolean;
  created: string;
  updated: string;
}

const toRow = (r: any): PipelineRow => ({
  name: r.name,
  specFile: r.spec_file,
  spec: JSON.parse(r.spec),
  version: Number(r.version),
  versionHash: r.version_hash,
  reprocessNonce: Number(r.reprocess_nonce),
  paused: Number(r.paused) === 1,
  active: Number(r.active) === 1,
  forceDue: Number(r.force_due) === 1,
  created: r.created,
  updated: r.updated,
});

export async function getPipeline(db: Db | Tx, name: string): Promise<PipelineRow | undefined> {
  const r = await db.get("SELECT * FROM pipelines WHERE name = ?", [name]);
  return r ? toRow(r) : undefined;
}

export async function listPipelines(db: Db | Tx): Promise<PipelineRow[]> {
  return (await db.all("SELECT * FROM pipelines ORDER BY name")).map(toRow);
}

export async function upsertPipeline(tx: Tx, spec: PipelineSpec, versionHash: string, now: string): Promise<void> {
  const old = await getPipeline(tx, spec.name);
  if (!old) {
    await tx.run(
      `INSERT INTO pipelines (name, spec_file, spec, version, version_hash, reprocess_nonce, paused, active, created, updated)
       VALUES (?, ?, ?, 1, ?, 0, 0, 1, ?, ?)`,
      [spec.name, spec.file, JSON.stringify(spec), versionHash, now, now],
    );
    return;
  }
  const version = old.versionHash === versionHash ? old.version : old.version + 1;
  await tx.run(
    "UPDATE pipelines SET spec_file = ?, spec = ?, version = ?, version_hash = ?, active = 1, updated = ? WHERE name = ?",
    [spec.file, JSON.stringify(spec), version, versionHash, now, spec.name],
  );
}

export async function deactivateMissing(tx: Tx, keep: string[]): Promise<void> {
  const names = new Set(keep);
  for (const r of await tx.all<{ name: string }>("SELECT name FROM pipelines WHERE active = 1")) {
    if (!names.has(r.name)) await tx.run("UPDATE pipelines SET active = 0 WHERE name = ?", [r.name]);
  }
}

export async function setPaused(db: Db, name: string, paused: boolean): Promise<void> {
  await db.write((tx) => tx.run("UPDATE pipelines SET paused = ? WHERE name = ?", [paused ? 1 : 0, name]));
}

export async function bumpReprocess(db: Db, name: string): Promise<void> {
  await db.write((tx) => tx.run("UPDATE pipelines SET reprocess_nonce = reprocess_nonce + 1 WHERE name = ?", [name]));
}

export async function setForceDue(db: Db | Tx, name: string, due: boolean): Promise<void> {
  const run = (tx: Tx) => tx.run("UPDATE pipelines SET force_due = ? WHERE name = ?", [due ? 1 : 0, name]);
  if ("write" in db) await db.write(run);
  else await run(db);
}
