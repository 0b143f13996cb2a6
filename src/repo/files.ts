// put file / delete file: turn a local source (file, directory tree, stdin)
// into stored objects and tree changes, with Pachyderm 1.x append semantics
// (append by default, --overwrite replaces).
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { invalid, notFound, usageError } from "../errors.ts";
import { normalizePath } from "./paths.ts";
import type { CommitInfo, Repos } from "./repos.ts";
import { lookup, type Change } from "./tree.ts";
import type { StatCache } from "../store/statcache.ts";

export interface PutOptions {
  recursive: boolean;
  overwrite: boolean;
  message?: string;
  /** Used when src is "-". */
  stdin?: AsyncIterable<Uint8Array>;
  /** Skips re-reading local files whose stat identity is unchanged. */
  statCache?: StatCache;
}

interface Source {
  /** Path in the repo. */
  target: string;
  /** Local file, or null for stdin. */
  local: string | null;
}

const CONCURRENCY = 16;

export async function putFile(repos: Repos, repo: string, branch: string, target: string, src: string, opts: PutOptions): Promise<CommitInfo> {
  await repos.requireRepo(repo);
  const sources = await listSources(src, target, opts.recursive);
  const cache = opts.statCache;
  if (cache && src !== "-") await cache.load(path.resolve(src));
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  /** `inTree`: the hash already at the target path (its object is certainly stored). */
  const store = async (local: string, inTree?: string) => {
    if (!cache) return repos.store.putFile(local);
    const abs = path.resolve(local);
    const st = fs.statSync(abs, { bigint: true });
    const known = cache.lookup(abs, st);
    if (known && (known === inTree || repos.store.has(known))) return { hash: known, size: Number(st.size) };
    const stored = await repos.store.putFile(abs, Number(st.size));
    cache.record(abs, st, stored.hash, nowNs);
    return stored;
  };
  const commit = await repos.modify(repo, branch, "user", async (base) => {
    const changes: Change[] = new Array(sources.length);
    await forEachLimit(sources, CONCURRENCY, async (s, i) => {
      const existing = await lookup(repos.trees, base.root, base.size, s.target);
      if (existing?.type === "dir" && s.local !== null && !opts.recursive) {
        throw invalid(`cannot put file "${s.target}": a directory exists there`);
      }
      const stored = s.local === null ? await repos.store.putStream(opts.stdin ?? process.stdin) : await store(s.local, existing?.type === "file" ? existing.hash : undefined);
      if (opts.overwrite) {
        // The same bytes already there: no change (keeps a re-put folder's diff to what changed).
        if (existing?.type === "file" && existing.hash === stored.hash) return;
        changes[i] = { path: s.target, file: stored };
      } else {
        changes[i] = { path: s.target, file: existing?.type === "file" ? await appendTo(repos, existing.hash, stored.hash) : stored };
      }
    });
    return changes.filter(Boolean);
  }, { message: opts.message });
  await cache?.save();
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

async function listSources(src: string, target: string, recursive: boolean): Promise<Source[]> {
  if (src === "-") return [{ target, local: null }];
  let st: fs.Stats;
  try {
    st = await fsp.stat(src);
  } catch {
    throw notFound(`source "${src}" does not exist`);
  }
  if (st.isFile()) return [{ target, local: src }];
  if (!st.isDirectory()) throw invalid(`source "${src}" is neither a file nor a directory`);
  if (!recursive) throw usageError(`source "${src}" is a directory`, "add -r to put a directory tree");
  const out: Source[] = [];
  const visit = async (dir: string, rel: string) => {
    const names = (await fsp.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const d of names) {
      const full = path.join(dir, d.name);
      const r = `${rel}/${d.name}`;
      if (d.isDirectory()) await visit(full, r);
      else if (d.isFile() || (d.isSymbolicLink() && (await fsp.stat(full)).isFile())) out.push({ target: normalizePath(`${target}${r}`), local: full });
    }
  };
  await visit(src, "");
  return out;
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
