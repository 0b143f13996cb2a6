// Spout markers: per spout pipeline, the marker tree that came with its last
// committed archive (saved in that commit's transaction); all of them for
// fsck and gc.
import type { Db, Tx } from "../client.ts";
import type { Reader } from "./commits.ts";

export interface MarkerRow {
  commitId: string;
  root: string;
  size: number;
}

export async function getMarker(r: Reader, pipeline: string): Promise<MarkerRow | null> {
  const row = await r.get<{ commit_id: string; tree: string; size_bytes: number }>("SELECT commit_id, tree, size_bytes FROM spout_markers WHERE pipeline = ?", [pipeline]);
  return row ? { commitId: row.commit_id, root: row.tree, size: Number(row.size_bytes) } : null;
}

export async function putMarker(tx: Tx, pipeline: string, m: MarkerRow): Promise<void> {
  await tx.run(
    `INSERT INTO spout_markers (pipeline, commit_id, tree, size_bytes) VALUES (?, ?, ?, ?)
     ON CONFLICT (pipeline) DO UPDATE SET commit_id = excluded.commit_id, tree = excluded.tree, size_bytes = excluded.size_bytes`,
    [pipeline, m.commitId, m.root, m.size],
  );
}

export interface MarkerRoot {
  pipeline: string;
  /** The commit the marker came with ("" when it came alone, before the spout's first commit). */
  commitId: string;
  tree: string;
  sizeBytes: number;
  /** Whether commitId names a commit (true for ""). */
  commitExists: boolean;
}

export async function allMarkers(db: Db): Promise<MarkerRoot[]> {
  const rows = await db.all<any>(
    `SELECT m.pipeline, m.commit_id, m.tree, m.size_bytes,
            (m.commit_id = '' OR EXISTS (SELECT 1 FROM commits c WHERE c.id = m.commit_id)) AS commit_exists
       FROM spout_markers m ORDER BY m.pipeline`,
  );
  return rows.map((r) => ({ pipeline: r.pipeline, commitId: r.commit_id, tree: r.tree, sizeBytes: Number(r.size_bytes), commitExists: Number(r.commit_exists) === 1 }));
}
