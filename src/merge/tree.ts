// The output tree of a full merge: each merged file (one part, or the parts
// concatenated into a new object) put into an empty tree. Where merge.ts
// decides what each output path holds, this builds the tree nodes to commit.
import { applyChanges, emptyTree, type Change, type NodeLoader, type Sha256, type TreeResult } from "../repo/tree.ts";
import type { StoredObject } from "../store/types.ts";
import type { MergedFile } from "./merge.ts";

export async function outputTree(
  files: readonly MergedFile[],
  deps: { trees: NodeLoader; sha256: Sha256; concat: (parts: string[]) => Promise<StoredObject>; fileDone?: () => void },
): Promise<TreeResult> {
  const changes: Change[] = [];
  for (const f of files) {
    const file = f.parts.length === 1 ? { hash: f.parts[0]!, size: f.size } : await deps.concat(f.parts);
    changes.push({ path: f.path, file });
    deps.fileDone?.();
  }
  const empty = emptyTree(deps.sha256);
  const tree = await applyChanges(deps.trees, deps.sha256, empty.hash, changes);
  tree.nodes.set(empty.hash, empty.body);
  return tree;
}
