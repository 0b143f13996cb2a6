// The runner's side of folder-backed repos (SPEC §3): before each pass
// plans anything, every declared folder is snapshotted into its repo
// (repo/snapshot.ts) in this process; a folder that did not change costs a
// stat per file and makes no commit, so no job.
import type { App } from "../app.ts";
import { CalfError, diskFull, isDiskFull } from "../errors.ts";
import type { CommitInfo } from "../repo/repos.ts";
import { snapshotFolder } from "../repo/snapshot.ts";
import type { FolderRepo } from "../spec/types.ts";
import { StatCache } from "../store/statcache.ts";

/**
 * Snapshots each folder into its repo; the commits made (none for folders
 * that did not change). `onChange`: told when a folder turns out changed.
 */
export async function snapshotFolders(app: App, folders: FolderRepo[], onChange?: () => void): Promise<CommitInfo[]> {
  const made: CommitInfo[] = [];
  for (const f of folders) {
    try {
      const c = await snapshotFolder(app.repos, new StatCache(app.db), f.name, f.folder, { now: () => app.clock.now().getTime(), onChange });
      if (c) made.push(c);
    } catch (err) {
      const what = `snapshot of folder "${f.folder}" into repo "${f.name}"`;
      if (isDiskFull(err)) throw diskFull(what, err);
      if (err instanceof CalfError) throw err;
      throw new CalfError("failed", `${what} failed: ${(err as Error).message}`, {
        hint: "calf only reads the folder: check that every file in it is readable; nothing was committed", cause: err,
      });
    }
  }
  return made;
}
