// A pipeline's leaf inputs' current heads, and listings for the planner
// (SPEC §4.5; the leaves are plan/input.ts's, the fingerprint of heads is in
// fingerprint.ts).
import { leaves, type Input, type Leaf } from "../plan/input.ts";
import type { Repos } from "../repo/repos.ts";
import type { Entry } from "../plan/types.ts";
import type { ListingSource } from "../plan/datums.ts";

export interface LeafHead extends Leaf {
  commit: string | null;
  tree: string | null;
  size: number;
}

export async function heads(repos: Repos, input: Input | null): Promise<LeafHead[]> {
  const out: LeafHead[] = [];
  for (const l of leaves(input)) {
    const c = (await repos.findRepo(l.repo)) ? await repos.branchHead(l.repo, l.branch) : null;
    out.push({ ...l, commit: c?.id ?? null, tree: c?.tree ?? null, size: c?.sizeBytes ?? 0 });
  }
  return out;
}

/** Non-cron inputs without a commit make a pipeline not due. */
export function ready(hs: LeafHead[]): boolean {
  return hs.every((h) => h.commit !== null || h.cron);
}

export function inputCommits(hs: LeafHead[]): { repo: string; commit: string }[] {
  const seen = new Set<string>();
  const out: { repo: string; commit: string }[] = [];
  for (const h of hs) {
    if (!h.commit || seen.has(h.commit)) continue;
    seen.add(h.commit);
    out.push({ repo: h.repo, commit: h.commit });
  }
  return out;
}

/** Loads every head's full listing once, for the pure planner. */
export async function loadListings(repos: Repos, hs: LeafHead[]): Promise<ListingSource> {
  const byKey = new Map<string, { commit: string; entries: Entry[] }>();
  for (const h of hs) {
    const key = `${h.repo}@${h.branch}`;
    if (!h.commit || byKey.has(key)) continue;
    byKey.set(key, { commit: h.commit, entries: await repos.listAll({ tree: h.tree!, sizeBytes: h.size }) });
  }
  return (inp) => byKey.get(`${inp.repo}@${inp.branch}`) ?? null;
}
