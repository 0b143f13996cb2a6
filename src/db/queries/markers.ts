// Every spout's last committed marker (spout_markers), for fsck and gc; the
// spout itself reads and writes its own row through spout/marker.ts.
import type { Db } from "../client.ts";

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
