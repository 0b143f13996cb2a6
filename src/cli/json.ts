// The JSON shapes of SPEC §2.3, built from internal records. One place, so
// the CLI and the HTTP API print the same thing.
import type { CommitInfo, RepoInfo } from "../repo/repos.ts";
import type { WalkEntry } from "../repo/tree.ts";

export const repoJson = (r: RepoInfo) => ({
  name: r.name,
  description: r.description,
  size_bytes: r.sizeBytes,
  head: r.head,
  created: r.created,
});

export const commitJson = (c: CommitInfo) => ({
  id: c.id,
  repo: c.repo,
  branch: c.branch,
  parent: c.parent,
  origin: c.origin,
  started: c.started,
  finished: c.finished,
  size_bytes: c.sizeBytes,
  provenance: c.provenance,
  job: c.job,
});

export const fileJson = (e: WalkEntry) => ({
  path: e.type === "dir" && e.path !== "/" ? `${e.path}/` : e.path,
  type: e.type,
  size_bytes: e.size,
  hash: e.hash,
});
