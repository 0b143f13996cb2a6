// A pipeline's leaf inputs (pfs and cron), their current heads, and listings
// for the planner (SPEC §4.5; the fingerprint of heads is in fingerprint.ts).
import type { Repos } from "../repo/repos.ts";
import type { Input } from "../spec/types.ts";
import type { Entry } from "../plan/types.ts";
import type { ListingSource } from "../plan/datums.ts";

export interface Leaf {
  name: string;
  repo: string;
  branch: string;
  cron: boolean;
}

export interface LeafHead extends Leaf {
  commit: string | null;
  tree: string | null;
  size: number;
}

export function leaves(input: Input | null): Leaf[] {
  if (!input) return [];
  switch (input.kind) {
    case "pfs":
      return [{ name: input.name, repo: input.repo, branch: input.branch, cron: false }];
    case "cron":
      return [{ name: input.name, repo: input.repo, branch: "master", cron: true }];
    default:
      return input.inputs.flatMap(leaves);
  }
}

/** Input repos of a pipeline (deduplicated, sorted). */
export function inputRepos(input: Input | null): string[] {
  return [...new Set(leaves(input).map((l) => l.repo))].sort();
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
