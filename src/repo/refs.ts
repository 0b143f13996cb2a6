// Refs users type (SPEC §2.1): a branch, a commit id, a unique id prefix of at
// least four characters, each optionally with ^N (the N-th ancestor).
import type { CommitInfo } from "../db/queries/commits.ts";
import { invalid, notFound } from "../errors.ts";
import { splitAncestry } from "./paths.ts";

/** What resolving a ref reads (Repos has it all). */
export interface RefSource {
  requireRepo(repo: string): Promise<unknown>;
  hasBranch(repo: string, branch: string): Promise<boolean>;
  branchHead(repo: string, branch: string): Promise<CommitInfo | null>;
  getCommit(id: string): Promise<CommitInfo | null>;
  /** Finished commits of `repo` whose id starts with `prefix`, at most `limit`. */
  commitsByPrefix(repo: string, prefix: string, limit: number): Promise<CommitInfo[]>;
}

/** Resolves REF (branch, id, unique id prefix >= 4, with ^N) of `repo` to a finished commit. */
export async function resolveRef(repos: RefSource, repo: string, ref: string): Promise<CommitInfo> {
await repos.requireRepo(repo);
  const { base, depth } = splitAncestry(ref);
  let c: CommitInfo | null = null;
  if (await repos.hasBranch(repo, base)) {
    c = await repos.branchHead(repo, base);
    if (!c) throw notFound(`branch "${base}" of repo "${repo}" has no commits yet`, `put a file first: calf put file ${repo}@${base}:/path -f FILE`);
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
