// A spout's marker (SPEC §5, `spout.marker: NAME`): entries under NAME/ (or
// the file NAME) are kept apart from the output, as a file tree holding just
// /NAME, saved in the `spout_markers` row in the same transaction as the commit
// they came with. Each marker file replaces the one before it (never appended).
import type { Db, Tx } from "../db/client.ts";
import { applyChanges, emptyTree, lookup, type Change, type NodeLoader, type Sha256, type TreeResult, type WalkEntry } from "../repo/tree.ts";
import type { StoredEntry } from "./ingest.ts";

export interface MarkerTree {
  root: string;
  size: number;
}

export interface MarkerRow extends MarkerTree {
  commitId: string;
}

export function isMarkerPath(path: string, name: string): boolean {
  return path === `/${name}` || path.startsWith(`/${name}/`);
}

export async function loadMarker(db: Db, pipeline: string): Promise<MarkerRow | null> {
  const r = await db.get<{ commit_id: string; tree: string; size_bytes: number }>(
    "SELECT commit_id, tree, size_bytes FROM spout_markers WHERE pipeline = ?",
    [pipeline],
  );
  return r ? { commitId: r.commit_id, root: r.tree, size: Number(r.size_bytes) } : null;
}

export async function saveMarker(tx: Tx, pipeline: string, commitId: string, m: MarkerTree): Promise<void> {
  await tx.run(
    `INSERT INTO spout_markers (pipeline, commit_id, tree, size_bytes) VALUES (?, ?, ?, ?)
     ON CONFLICT (pipeline) DO UPDATE SET commit_id = excluded.commit_id, tree = excluded.tree, size_bytes = excluded.size_bytes`,
    [pipeline, commitId, m.root, m.size],
  );
}

/** The marker's own entry (/NAME, a file or a folder), or null when there is none yet. */
export async function markerEntry(loader: NodeLoader, m: MarkerTree | null, name: string): Promise<WalkEntry | null> {
  return m ? lookup(loader, m.root, m.size, `/${name}`) : null;
}

/**
 * The marker after an archive's marker files: each one overwrites its path; a
 * marker that turns from a file into a folder (or back) starts afresh.
 * Returns a reason instead when the archive holds both the file NAME and NAME/...
 */
export async function nextMarker(loader: NodeLoader, sha256: Sha256, prev: MarkerTree | null, name: string, files: StoredEntry[]): Promise<TreeResult | { reason: string }> {
  const asFile = files.some((f) => f.path === `/${name}`);
  if (asFile && files.some((f) => f.path !== `/${name}`)) {
    return { reason: `the marker "${name}" is both a file and a folder in this archive` };
  }
  const old = await markerEntry(loader, prev, name);
  const fresh = !prev || !old || (old.type === "file") !== asFile;
  const base = fresh ? emptyTree(sha256).hash : prev.root;
  const changes: Change[] = files.map((f) => ({ path: f.path, file: { hash: f.hash, size: f.size } }));
  return applyChanges(loader, sha256, base, changes);
}
