// What the metadata references: every object (file content) reachable from a
// root — each commit's tree (open commits too), each spout marker, each cached
// datum result — walking every stored tree node once and checking its body
// against its hash. gc keeps exactly these objects; fsck verifies them.
import type { Db } from "../db/client.ts";
import { allCommitRoots, type CommitRoot } from "../db/queries/commits.ts";
import { eachResult } from "../db/queries/results.ts";
import { allMarkers, type MarkerRoot } from "../db/queries/markers.ts";
import { treeBodies } from "../db/queries/trees.ts";
import { decodeDirNode, nodeHash, type DirNode } from "../repo/shard.ts";
import type { Sha256 } from "../repo/tree.ts";

/** A tree node that is missing from the database, or whose body does not hash to its name. */
export interface BadNode {
  hash: string;
  why: "missing" | "corrupt";
}

export interface Refs {
  /** Referenced object -> the size the metadata records for it. */
  objects: Map<string, number>;
  /** Tree nodes reached (each once). */
  nodes: number;
  badNodes: BadNode[];
  commits: CommitRoot[];
  markers: MarkerRoot[];
  results: number;
}

/** Nodes loaded per query while walking. */
const BATCH = 500;

/**
 * Walks every root. Reads are separate queries (no snapshot): a commit made
 * meanwhile may be missed, which gc's grace period covers (its objects were
 * just stored or reused, see ObjectStore.has).
 */
export async function collectRefs(db: Db, sha256: Sha256): Promise<Refs> {
  const objects = new Map<string, number>();
  const commits = await allCommitRoots(db);
  const markers = await allMarkers(db);
  const seen = new Set<string>();
  const badNodes: BadNode[] = [];
  let frontier = [...new Set([...commits.map((c) => c.tree), ...markers.map((m) => m.tree)])];
  for (const h of frontier) seen.add(h);
  while (frontier.length) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += BATCH) {
      const chunk = frontier.slice(i, i + BATCH);
      const bodies = await treeBodies(db, chunk);
      for (const hash of chunk) {
        const body = bodies.get(hash);
        const node = body === undefined ? null : checkedNode(hash, body, sha256);
        if (!node) {
          badNodes.push({ hash, why: body === undefined ? "missing" : "corrupt" });
          continue;
        }
        for (const child of children(node)) {
          if (child.kind === "file") {
            if (!objects.has(child.hash)) objects.set(child.hash, child.size);
          } else if (!seen.has(child.hash)) {
            seen.add(child.hash);
            next.push(child.hash);
          }
        }
      }
    }
    frontier = next;
  }
  let results = 0;
  for await (const r of eachResult(db)) {
    results++;
    for (const o of r.outputs) if (!objects.has(o.hash)) objects.set(o.hash, o.size);
  }
  return { objects, nodes: seen.size, badNodes, commits, markers, results };
}

/** The node, or null when its body does not hash to `hash` or does not parse. */
export function checkedNode(hash: string, body: string, sha256: Sha256): DirNode | null {
  if (nodeHash(body, sha256) !== hash) return null;
  try {
    return decodeDirNode(body);
  } catch {
    return null;
  }
}

/** What a node points at: files (objects) and nodes (a subdirectory, or a shard's bucket). */
export function children(node: DirNode): { kind: "file" | "node"; name: string | null; hash: string; size: number }[] {
  if (node.kind === "shard") return node.children.map((c) => ({ kind: "node" as const, name: null, hash: c.hash, size: c.size }));
  return node.entries.map((e) => ({ kind: e.type === "file" ? ("file" as const) : ("node" as const), name: e.name, hash: e.hash, size: e.size }));
}
