// Refs users type (SPEC §2.1): a branch, a commit id, a unique id prefix of at
// least four characters, each optionally with ^N (the N-th ancestor).
import type { CommitInfo } from "../db/queries/commits.ts";
import { invalid, notFound } from "../errors.ts";
import { splitAncestry } from "./paths.ts";

/** What resolving a ref reads (Repos has it all). */
export interface RefSource {
  requireRepo(repo: string): Promise<{ kind: string }>;
  hasBranch(repo: string, branch: string): Promise<boolean>;
  branchHead(repo: string, branch: string): Promise<CommitInfo | null>;
  getCommit(id: string): Promise<CommitInfo | null>;
  /** Finished commits of `repo` whose id starts with `prefix`, at most `limit`. */
  commitsByPrefix(repo: string, prefix: string, limit: number): Promise<CommitInfo[]>;
}

/** What fills an empty branch of a repo calf writes (a user repo's hint is to put a file). */
const EMPTY_HINT: Record<string, (repo: string) => string> = {
  pipeline: (repo) => `pipeline "${repo}" has not committed an output yet: run it (calf run --once), or see why not: calf list job -p ${repo}`,
  spout: (repo) => `spout "${repo}" has not committed an archive yet: see its log with calf logs -p ${repo}`,
  cron: (repo) => `no cron tick has been committed to "${repo}" yet: calf run (or calf run cron PIPELINE) makes them`,
};

/** Resolves REF (branch, id, unique id prefix >= 4, with ^N) of `repo` to a finished commit. */
export async function resolveRef(repos: RefSource, repo: string, ref: string): Promise<CommitInfo> {
  const { kind } = await repos.requireRepo(repo);
  const { base, depth } = splitAncestry(ref);
  let c: CommitInfo | null = null;
  if (await repos.hasBranch(repo, base)) {
    c = await repos.branchHead(repo, base);
    if (!c) throw notFound(`branch "${base}" of repo "${repo}" has no commits yet`, EMPTY_HINT[kind]?.(repo) ?? `put a file first: calf put file ${repo}@${base}:/path -f FILE`);
  } else if (/^[0-9a-f]{4,}$/.test(base)) {
    const found = await repos.commitsByPrefix(repo, base, 2);
    if (found.length > 1) throw invalid(`commit prefix "${base}" is ambiguous in repo "${repo}"`, "give more characters of the id");
    c = found[0] ?? null;
  }
  if (!c) throw notFound(`"${base}" is neither a branch nor a commit of repo "${repo}"`, `list commits with: calf list commit ${repo}`);
  for (let i = 0; i < depth; i++) {
    if (!c.parent) throw notFound(`commit ${c.id} has no ancestor ${depth} back (ref "${ref}")`);
    c = (await repos.getCommit(c.parent))!;
  }
  return c;
}
