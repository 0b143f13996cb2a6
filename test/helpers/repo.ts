// Test helper: text-in, text-out shortcuts over Repos (put file from a string,
// read a commit back as path -> content).
import type { Db } from "../../src/db/client.ts";
import { putFile } from "../../src/repo/files.ts";
import type { CommitInfo, Repos } from "../../src/repo/repos.ts";

async function* once(text: string | Uint8Array): AsyncIterable<Uint8Array> {
  yield typeof text === "string" ? new TextEncoder().encode(text) : text;
}

/** `calf put file REPO@BRANCH:PATH -f -` with `text` on stdin (append unless overwrite). */
export function putText(repos: Repos, repo: string, path: string, text: string, opts: { branch?: string; overwrite?: boolean } = {}): Promise<CommitInfo> {
  return putFile(repos, repo, opts.branch ?? "master", path, "-", { recursive: false, overwrite: opts.overwrite ?? false, stdin: once(text) });
}

/** Content of a file of a commit, or null when there is no file there. */
export async function readText(repos: Repos, c: CommitInfo, path: string): Promise<string | null> {
  const e = await repos.lookup(c, path);
  return e && e.type === "file" ? Buffer.from(await repos.store.read(e.hash)).toString("utf8") : null;
}

/** Every file of a commit: path -> content. */
export async function fileMap(repos: Repos, c: { tree: string; sizeBytes: number }): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await repos.listAll(c)) if (e.type === "file") out[e.path] = Buffer.from(await repos.store.read(e.hash)).toString("utf8");
  return out;
}

/** Number of rows in a table. */
export async function countRows(db: Db, table: string): Promise<number> {
  return Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);
}
