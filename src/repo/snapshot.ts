// A folder-backed repo's snapshot (SPEC §3 `repo: {name, source}`): makes
// the repo's master hold exactly the folder's files (added, changed and
// deleted), in one commit, or no commit when nothing changed. The stat cache
// (store/statcache.ts) makes an unchanged folder cost a readdir and a stat
// per file: while the repo still holds the tree the last snapshot left, an
// unchanged file needs nothing, and the files deleted since are the ones the
// cache knew and the folder lacks. Otherwise (the first snapshot, a put into
// the repo since) the folder is compared with the tree path by path. The
// folder is only read.
import * as fs from "node:fs";
import * as path from "node:path";
import { forEachLimit, listSources, putListed } from "./files.ts";
import type { CommitInfo, Repos } from "./repos.ts";
import { lookup, walk, type Change } from "./tree.ts";
import type { StatCache } from "../store/statcache.ts";

const CONCURRENCY = 16;

export interface SnapshotOptions {
  /** The clock (ms) of the stat cache's racy check. */
  now: () => number;
  message?: string;
  /** Told of each entry that is not snapshotted: a link, a FIFO, a socket, a device. */
  onSkip?: (local: string, why: string) => void;
  /** Told once the folder is known to differ from the repo, before the commit is built (the runner starts what a job will need). */
  onChange?: () => void;
}

/** Snapshots `folder` into `repo`@master; the new commit, or null when the repo already held the folder. */
export async function snapshotFolder(repos: Repos, cache: StatCache, repo: string, folder: string, opts: SnapshotOptions): Promise<CommitInfo | null> {
  const root = path.resolve(folder);
  const rootReal = fs.realpathSync(root);
  const { sources } = listSources(root, "/", { recursive: true, onSkip: opts.onSkip });
  const stats = sources.map((s) => fs.statSync(s.local!));
  const files = sources.map((s, i) => ({ rel: s.rel, st: stats[i]! }));
  await cache.load(root, `${repo}@master:/`);
  const head = await repos.branchHead(repo, "master");
  // The repo holds what the last snapshot left: the cache alone says what changed.
  const inPlace = head !== null && cache.targetTree === head.tree;
  const known = await cache.lookupAll(files, inPlace);
  const gone = inPlace ? cache.gone() : [];
  if (inPlace && gone.length === 0 && known.every((k) => k === true)) return null;
  opts.onChange?.();
  const nowMs = opts.now();
  const commit = await repos.modify(repo, "master", "user", async (base) => {
    const trusted = inPlace && base.root === head!.tree;
    const changes: Change[] = [];
    if (trusted) for (const rel of gone) changes.push({ path: `/${rel}`, file: null });
    else {
      const present = new Set(sources.map((s) => s.target));
      for (const e of await walk(repos.trees, base.root, base.size, { recursive: true, includeSelf: false })) {
        if (e.type === "file" && !present.has(e.path)) changes.push({ path: e.path, file: null });
      }
    }
    const todo = sources.map((_, i) => i).filter((i) => !(trusted && known[i] === true));
    const puts: Change[][] = new Array(sources.length);
    await forEachLimit(todo, CONCURRENCY, async (i) => {
      const s = sources[i]!;
      const st = stats[i]!;
      const k = typeof known[i] === "string" ? (known[i] as string) : null;
      const existing = await lookup(repos.trees, base.root, base.size, s.target);
      const inTree = existing?.type === "file" ? existing.hash : null;
      let stored = k && (k === inTree || (await repos.store.has(k))) ? { hash: k, size: st.size } : null;
      if (!stored) {
        stored = await putListed(repos.store, s.local!, rootReal);
        cache.record(s.rel, st, stored.hash, nowMs);
      }
      // A folder became a file: the folder goes first (a put alone does not replace a folder).
      if (existing?.type === "dir") puts[i] = [{ path: s.target, file: null }, { path: s.target, file: stored }];
      else if (stored.hash !== inTree) puts[i] = [{ path: s.target, file: stored }];
    });
    return [...changes, ...puts.filter(Boolean).flat()];
  }, { message: opts.message ?? `snapshot of ${root}` });
  await cache.save(commit.tree);
  return (commit as CommitInfo & { unchanged?: boolean }).unchanged ? null : commit;
}
