// A spout's marker (SPEC §5, `spout.marker: NAME`): entries under NAME/ (or
// the file NAME) are kept apart from the output, as a file tree holding just
// /NAME, saved in the `spout_markers` row in the same transaction as the commit
// they came with. Each marker file replaces the one before it (never appended).
import type { Db, Tx } from "../db/client.ts";
import { getMarker, putMarker, type MarkerRow } from "../db/queries/markers.ts";
import { applyChanges, emptyTree, lookup, type Change, type NodeLoader, type Sha256, type TreeResult, type WalkEntry } from "../repo/tree.ts";
import type { StoredEntry } from "./ingest.ts";

export interface MarkerTree {
  root: string;
  size: number;
}

export type { MarkerRow } from "../db/queries/markers.ts";

export function isMarkerPath(path: string, name: string): boolean {
  return path === `/${name}` || path.startsWith(`/${name}/`);
}

export function loadMarker(db: Db, pipeline: string): Promise<MarkerRow | null> {
  return getMarker(db, pipeline);
}

export function saveMarker(tx: Tx, pipeline: string, commitId: string, m: MarkerTree): Promise<void> {
  return putMarker(tx, pipeline, { commitId, root: m.root, size: m.size });
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
