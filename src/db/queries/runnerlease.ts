// The runner lease row (migration 5): who runs this database's jobs, until when.
import type { Tx } from "../client.ts";

export interface LeaseRow {
  holder: string;
  host: string;
  pid: number;
  lockPath: string;
  expiresMs: number;
  renewed: string;
}

const toRow = (r: any): LeaseRow => ({ holder: r.holder, host: r.host, pid: Number(r.pid), lockPath: r.lock_path, expiresMs: Number(r.expires_ms), renewed: r.renewed });

export async function readLease(tx: Tx): Promise<LeaseRow | undefined> {
  const r = await tx.get("SELECT * FROM runner_lease WHERE name = 'runner'");
  return r ? toRow(r) : undefined;
}

export async function writeLease(tx: Tx, l: LeaseRow): Promise<void> {
  await tx.run(
    "INSERT OR REPLACE INTO runner_lease (name, holder, host, pid, lock_path, expires_ms, renewed) VALUES ('runner', ?, ?, ?, ?, ?, ?)",
    [l.holder, l.host, l.pid, l.lockPath, l.expiresMs, l.renewed],
  );
}

export async function dropLease(tx: Tx, holder: string): Promise<void> {
  await tx.run("DELETE FROM runner_lease WHERE name = 'runner' AND holder = ?", [holder]);
}
