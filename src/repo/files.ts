// put file / delete file: turn a local source (file, directory tree, stdin)
// into stored objects and tree changes, with Pachyderm 1.x append semantics
// (append by default, --overwrite replaces).
import * as fs from "node:fs";
import * as path from "node:path";
import { invalid, notFound, usageError } from "../errors.ts";
import { normalizePath } from "./paths.ts";
import type { CommitInfo, Repos } from "./repos.ts";
import { lookup, type Change } from "./tree.ts";
import { fdPath, NOFOLLOW_FILE, putOpened } from "../store/opened.ts";
import type { StatCache } from "../store/statcache.ts";
import type { ObjectStore, StoredObject } from "../store/types.ts";

export interface PutOptions {
  recursive: boolean;
  overwrite: boolean;
  message?: string;
  /** Used when src is "-". */
  stdin?: AsyncIterable<Uint8Array>;
  /** Skips re-reading local files whose stat identity is unchanged. */
  statCache?: StatCache;
  /** The clock (ms) the stat cache's racy check compares file times with (without one, nothing is remembered). */
  now?: () => number;
  /** In a folder (-r): follow symbolic links (to files and folders) instead of skipping them. */
  followLinks?: boolean;
  /** Told of each entry of a folder that is not put: a link (without followLinks), a FIFO, a socket, a device. */
  onSkip?: (local: string, why: string) => void;
  /** Called with each path whose existing file the put appends to (not with --overwrite). */
  onAppend?: (path: string) => void;
}

export interface Source {
  /** Path in the repo. */
  target: string;
  /** Local file, or null for stdin. */
  local: string | null;
  /** Path relative to the source folder ("" for a single file). */
  rel: string;
}

const CONCURRENCY = 16;

/**
 * Stores a file listed in a folder whose links are not followed: opened with
 * O_NOFOLLOW (store/opened.ts), and refused unless it is still a regular file
 * inside `rootReal`. Between the listing and the read, the file (or a folder
 * above it) may have been swapped for a link leading anywhere (/etc/shadow):
 * calf, maybe root, must not read it into a repo.
 */
export async function putListed(store: ObjectStore, local: string, rootReal: string): Promise<StoredObject> {
  const changed = (why: string) => invalid(`"${local}" changed while calf read it: ${why}`, "run again: the next pass reads what is there then");
  let fd: number;
  try {
    fd = fs.openSync(local, NOFOLLOW_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw changed("it is a symbolic link now");
    throw err;
  }
  const real = fdPath(fd);
  if (!real.startsWith(rootReal === "/" ? "/" : rootReal + "/")) {
    fs.closeSync(fd);
    throw changed(`it is reached through a link to ${path.dirname(real)} now`);
  }
  return putOpened(store, fd, () => changed("it is no longer a regular file"));
}

export async function putFile(repos: Repos, repo: string, branch: string, target: string, src: string, opts: PutOptions): Promise<CommitInfo> {
  await repos.requireRepo(repo);
  const { sources, folder } = listSources(src, target, opts);
  const cache = src === "-" ? undefined : opts.statCache;
  // A folder put with --overwrite may skip the files its last put to the same place left there.
  const place = cache && folder && opts.overwrite ? `${repo}@${branch}:${normalizePath(target)}` : undefined;
  if (cache) await cache.load(path.resolve(src), place);
  const stats = cache ? sources.map((s) => fs.statSync(s.local!)) : [];
  // With no clock every file counts as just modified (racy): hashed, never remembered.
  const nowMs = opts.now ? opts.now() : Number.NEGATIVE_INFINITY;
  /** `known`: the hash the stat cache remembers; `inTree`: the hash already at the target path (its object is certainly stored). */
  // A folder's files are read without following a link put there since the listing (putListed).
  const guard = folder && !opts.followLinks ? fs.realpathSync(src) : null;
  const read = (local: string, size?: number) => (guard ? putListed(repos.store, local, guard) : repos.store.putFile(local, size === undefined ? {} : { size }));
  const store = async (i: number, known: string | null, inTree?: string) => {
    const s = sources[i]!;
    if (!cache) return read(s.local!);
    const st = stats[i]!;
    if (known && (known === inTree || (await repos.store.has(known)))) return { hash: known, size: st.size };
    const stored = await read(s.local!, st.size);
    cache.record(s.rel, st, stored.hash, nowMs);
    return stored;
  };
  // Stdin is read once: `modify` runs the change again when another writer moved the branch meanwhile.
  let fromStdin: Promise<StoredObject> | null = null;
  const commit = await repos.modify(repo, branch, "user", async (base) => {
    let known: (string | true | null)[] = [];
    if (cache) {
      const at = place && cache.targetTree ? await lookup(repos.trees, base.root, base.size, target) : null;
      const inPlace = at?.type === "dir" && at.hash === cache.targetTree;
      known = await cache.lookupAll(sources.map((s, i) => ({ rel: s.rel, st: stats[i]! })), inPlace);
    }
    // A file the cache says is unchanged since the last put left it at this very place needs nothing.
    const todo = known.length ? sources.map((_, i) => i).filter((i) => known[i] !== true) : sources.map((_, i) => i);
    const changes: Change[] = new Array(sources.length);
    await forEachLimit(todo, CONCURRENCY, async (i) => {
      const s = sources[i]!;
      const k = (known[i] ?? null) as string | null;
      const existing = await lookup(repos.trees, base.root, base.size, s.target);
      if (existing?.type === "dir" && s.local !== null && !opts.recursive) {
        throw invalid(`cannot put file "${s.target}": a directory exists there`);
      }
      const stored = s.local === null ? await (fromStdin ??= repos.store.putStream(opts.stdin ?? process.stdin)) : await store(i, k, existing?.type === "file" ? existing.hash : undefined);
      if (opts.overwrite) {
        // The same bytes already there: no change (keeps a re-put folder's diff to what changed).
        if (existing?.type === "file" && existing.hash === stored.hash) return;
        changes[i] = { path: s.target, file: stored };
      } else {
        if (existing?.type === "file") opts.onAppend?.(s.target);
        changes[i] = { path: s.target, file: existing?.type === "file" ? await appendTo(repos, existing.hash, stored.hash) : stored };
      }
    });
    return changes.filter(Boolean);
  }, { message: opts.message });
  if (cache) {
    const at = place ? await lookup(repos.trees, commit.tree, commit.sizeBytes, target) : null;
    await cache.save(at?.type === "dir" ? at.hash : null);
  }
  return commit;
}

async function appendTo(repos: Repos, oldHash: string, newHash: string) {
  const extra = await repos.store.read(newHash);
  if (extra.byteLength === 0) return repos.store.concat([oldHash]);
  return repos.store.concat([oldHash], extra);
}

export async function deleteFile(repos: Repos, repo: string, branch: string, target: string): Promise<CommitInfo> {
  return repos.modify(repo, branch, "user", async (base) => {
    if (target !== "/" && !(await lookup(repos.trees, base.root, base.size, target))) {
      throw notFound(`path "${target}" does not exist in ${repo}@${branch}`);
    }
    return [{ path: target, file: null }];
  });
}

export function listSources(src: string, target: string, opts: Pick<PutOptions, "recursive" | "followLinks" | "onSkip">): { sources: Source[]; folder: boolean } {
  if (src === "-") return { sources: [{ target, local: null, rel: "" }], folder: false };
  let st: fs.Stats;
  try {
    st = fs.statSync(src); // a link named on the command line is followed, as cp does
  } catch {
    throw notFound(`source "${src}" does not exist`);
  }
  if (st.isFile()) return { sources: [{ target, local: src, rel: "" }], folder: false };
  if (!st.isDirectory()) throw invalid(`source "${src}" is neither a file nor a directory`);
  if (!opts.recursive) throw usageError(`source "${src}" is a directory`, "add -r to put a directory tree");
  const out: Source[] = [];
  const base = normalizePath(target);
  const prefix = base === "/" ? "" : base;
  const skip = opts.onSkip ?? (() => {});
  // Folders reached through links, by real path: a link back up the tree must not loop.
  const seen = new Set<string>();
  // Names from readdir hold no "/" and are never "." or "..": joined, they are normalised paths.
  // Unsorted: the changes are applied as a set, and sorting 10k names costs more than reading them.
  const visit = (dir: string, rel: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = `${dir}/${d.name}`;
      const r = rel ? `${rel}/${d.name}` : d.name;
      // A name that is not UTF-8 reads back with U+FFFD in it, a path that names nothing (or another file).
      if (d.name.includes("\uFFFD") && !sameName(dir, d.name)) {
        skip(full, "a name that is not valid UTF-8 (repo paths are UTF-8: rename it)");
        continue;
      }
      if (d.isDirectory()) visit(full, r);
      else if (d.isFile()) out.push({ target: `${prefix}/${r}`, local: full, rel: r });
      else if (d.isSymbolicLink()) {
        // A link inside a folder is not followed unless asked: it may lead anywhere (/etc/shadow).
        if (!opts.followLinks) {
          skip(full, `a symbolic link to "${fs.readlinkSync(full)}" (--follow-links puts what it points to)`);
          continue;
        }
        const to = fs.statSync(full, { throwIfNoEntry: false });
        if (to?.isFile()) out.push({ target: `${prefix}/${r}`, local: full, rel: r });
        else if (to?.isDirectory()) {
          const real = fs.realpathSync(full);
          if (seen.has(real)) skip(full, "a link to a folder already put (a loop)");
          else {
            seen.add(real);
            visit(full, r);
          }
        } else skip(full, to ? "a link to neither a file nor a folder" : "a broken symbolic link");
      } else skip(full, d.isFIFO() ? "a FIFO" : d.isSocket() ? "a socket" : "a device");
    }
  };
  const root = src.replace(/\/+$/, "") || "/";
  seen.add(fs.realpathSync(root));
  visit(root, "");
  return { sources: out, folder: true };
}

/** Whether `name`, as readdir gave it, is exactly the bytes of an entry of `dir` (not a lossy decoding). */
function sameName(dir: string, name: string): boolean {
  const bytes = Buffer.from(name);
  return fs.readdirSync(dir, { encoding: "buffer" }).some((b) => b.equals(bytes));
}

/** Runs `fn` over `items`, at most `limit` at a time; `slot` (0..limit-1) names the worker. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T, i: number, slot: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (slot: number) => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i, slot);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, (_, slot) => worker(slot)));
}
