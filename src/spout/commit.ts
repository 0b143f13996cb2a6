// One complete archive -> one commit on the spout's output branch (SPEC §5):
// append (default) or overwrite per path, files not in the archive stay, and
// the marker files become the new marker in the same transaction. Optimistic:
// rebuilt on the new head if the branch moved meanwhile.
import type { Db } from "../db/client.ts";
import { CalfError } from "../errors.ts";
import { StaleHead, type CommitInfo, type Repos } from "../repo/repos.ts";
import { applyChanges, emptyTree, lookup, type Change, type TreeResult } from "../repo/tree.ts";
import type { StoredEntry } from "./ingest.ts";
import { isMarkerPath, nextMarker, saveMarker, type MarkerTree } from "./marker.ts";
import { crashPoint } from "../crash.ts";

export interface SpoutTarget {
  pipeline: string;
  repo: string;
  branch: string;
  overwrite: boolean;
  marker?: string;
}

export type ArchiveResult =
  | { kind: "commit"; commit: CommitInfo; marker: MarkerTree | null }
  /** Only marker files: the marker moved, no commit. */
  | { kind: "marker"; marker: MarkerTree }
  /** No files at all (or only folders). */
  | { kind: "empty" }
  | { kind: "refused"; reason: string };

const TRIES = 5;


/** Splits an archive's files into output files and marker files. Pure. */
export function splitMarker(files: StoredEntry[], marker?: string): { output: StoredEntry[]; marker: StoredEntry[] } {
  if (!marker) return { output: files, marker: [] };
  return { output: files.filter((f) => !isMarkerPath(f.path, marker)), marker: files.filter((f) => isMarkerPath(f.path, marker)) };
}

/** A path the archive uses both as a file and as a folder of other files, if any. Pure. */
export function fileFolderClash(paths: string[]): string | null {
  const files = new Set(paths);
  for (const p of paths) {
    for (let i = p.indexOf("/", 1); i > 0; i = p.indexOf("/", i + 1)) {
      if (files.has(p.slice(0, i))) return `"${p.slice(0, i)}" is both a file and a folder (of "${p}") in this archive`;
    }
  }
  return null;
}

export async function commitArchive(deps: { repos: Repos; db: Db }, t: SpoutTarget, files: StoredEntry[], marker: MarkerTree | null): Promise<ArchiveResult> {
  const { repos, db } = deps;
  const parts = splitMarker(files, t.marker);
  const clash = fileFolderClash(parts.output.map((f) => f.path));
  if (clash) return { kind: "refused", reason: clash };
  let nextMark: TreeResult | null = null;
  if (parts.marker.length) {
    const m = await nextMarker(repos.trees, repos.sha256, marker, t.marker!, parts.marker);
    if ("reason" in m) return { kind: "refused", reason: m.reason };
    nextMark = m;
  }
  const markerTree = nextMark && { root: nextMark.root, size: nextMark.size };
  if (!parts.output.length) {
    if (!nextMark) return { kind: "empty" };
    const head = await repos.branchHead(t.repo, t.branch);
    await repos.store.flush();
    await db.write(async (tx) => {
      await repos.trees.save(tx, nextMark!.nodes);
      await saveMarker(tx, t.pipeline, head?.id ?? "", markerTree!);
    });
    return { kind: "marker", marker: markerTree! };
  }
  for (let attempt = 1; ; attempt++) {
    const head = await repos.branchHead(t.repo, t.branch);
    const base = head ? { root: head.tree, size: head.sizeBytes } : { root: emptyTree(repos.sha256).hash, size: 0 };
    let next: TreeResult;
    try {
      next = await applyChanges(repos.trees, repos.sha256, base.root, await outputChanges(repos, base, parts.output, t.overwrite));
    } catch (err) {
      // The archive puts a file where the branch has a folder, or under a file.
      if (err instanceof CalfError && err.code === "invalid") return { kind: "refused", reason: err.message };
      throw err;
    }
    try {
      const commit = await repos.commit({
        repo: t.repo, branch: t.branch, origin: "spout", root: next.root, size: next.size, nodes: next.nodes, expect: head?.id ?? null,
        extra: async (tx, id) => {
          if (nextMark) {
            await repos.trees.save(tx, nextMark.nodes);
            await saveMarker(tx, t.pipeline, id, markerTree!);
            crashPoint("spout.marker");
          }
        },
      });
      return { kind: "commit", commit, marker: markerTree };
    } catch (err) {
      if (!(err instanceof StaleHead) || attempt >= TRIES) throw err;
    }
  }
}

/** Per path, in archive order: the last file (overwrite) or the old content followed by every file (append). */
async function outputChanges(repos: Repos, base: { root: string; size: number }, files: StoredEntry[], overwrite: boolean): Promise<Change[]> {
  const byPath = new Map<string, StoredEntry[]>();
  for (const f of files) {
    const list = byPath.get(f.path);
    if (list) list.push(f);
    else byPath.set(f.path, [f]);
  }
  const changes: Change[] = [];
  for (const [path, list] of byPath) {
    if (overwrite) {
      const last = list[list.length - 1]!;
      changes.push({ path, file: { hash: last.hash, size: last.size } });
      continue;
    }
    const old = await lookup(repos.trees, base.root, base.size, path);
    const pieces = [...(old?.type === "file" ? [{ hash: old.hash, size: old.size }] : []), ...list];
    const nonEmpty = pieces.filter((p) => p.size > 0);
    const file = nonEmpty.length === 0 ? list[0]! : nonEmpty.length === 1 ? nonEmpty[0]! : await repos.store.concat(nonEmpty.map((p) => p.hash));
    changes.push({ path, file: { hash: file.hash, size: file.size } });
  }
  return changes;
}
