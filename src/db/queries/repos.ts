// Repo rows: find, list (with the master head's size), insert, delete.
import type { Tx } from "../client.ts";
import type { Reader } from "./commits.ts";

export interface RepoRow {
  name: string;
  description: string;
  created: string;
  kind: string;
}

export interface RepoInfo extends RepoRow {
  head: string | null;
  sizeBytes: number;
}

export async function getRepo(r: Reader, name: string): Promise<RepoRow | undefined> {
  return r.get<RepoRow>("SELECT name, description, created, kind FROM repos WHERE name = ?", [name]);
}

export async function repoNames(r: Reader): Promise<string[]> {
  return (await r.all<{ name: string }>("SELECT name FROM repos ORDER BY name")).map((x) => x.name);
}

/** Every repo with its master head and that commit's size. */
export async function listRepoInfos(r: Reader): Promise<RepoInfo[]> {
  const rows = await r.all<any>(
    `SELECT r.name, r.description, r.created, r.kind, b.head, c.size_bytes
       FROM repos r
       LEFT JOIN branches b ON b.repo = r.name AND b.name = 'master'
       LEFT JOIN commits c ON c.id = b.head
      ORDER BY r.name`,
  );
  return rows.map((x) => ({ name: x.name, description: x.description, kind: x.kind, created: x.created, head: x.head ?? null, sizeBytes: Number(x.size_bytes ?? 0) }));
}

/** Inserts a repo row; false when the name is taken (nothing changed). */
export async function insertRepoRow(tx: Tx, repo: RepoRow): Promise<boolean> {
  if (await tx.get("SELECT 1 FROM repos WHERE name = ?", [repo.name])) return false;
  await tx.run("INSERT INTO repos (name, description, created, kind) VALUES (?, ?, ?, ?)", [repo.name, repo.description, repo.created, repo.kind]);
  return true;
}

export async function deleteRepoRow(tx: Tx, name: string): Promise<void> {
  await tx.run("DELETE FROM repos WHERE name = ?", [name]);
}
