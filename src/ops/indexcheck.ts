// fsck's check of each pipeline's datum index (the last successful job's
// datums and output owners, which the next incremental job patches): it must
// describe a successful job whose output commit exists and holds every
// output path the index names.
import type { App } from "../app.ts";
import { allIndexHeads, indexedPaths } from "../db/queries/datumindex.ts";

export interface IndexProblem {
  pipeline: string;
  commit: string | null;
  message: string;
}

/** Paths named per pipeline at most, before "and N more". */
const SHOWN = 5;

export async function checkIndexes(app: Pick<App, "db" | "repos">): Promise<IndexProblem[]> {
  const out: IndexProblem[] = [];
  for (const h of await allIndexHeads(app.db)) {
    const at = `datum index of ${h.pipeline}`;
    const problem = (commit: string | null, message: string) => out.push({ pipeline: h.pipeline, commit, message: `${at}: ${message}` });
    if (h.jobState === null) problem(null, `job ${h.job} does not exist`);
    else if (h.jobState !== "success") problem(h.outputCommit, `job ${h.job} is ${h.jobState}, not a successful job`);
    else if (h.tree === null) problem(h.outputCommit, `output commit ${h.outputCommit ?? "(none)"} of job ${h.job} does not exist`);
    if (h.tree === null || h.jobState !== "success") continue;
    let files: Set<string>;
    try {
      files = new Set((await app.repos.listAll({ tree: h.tree, sizeBytes: h.sizeBytes })).filter((e) => e.type === "file").map((e) => e.path));
    } catch {
      continue; // a missing tree node: reported, with what uses it, by the object check
    }
    let missing = 0;
    for await (const p of indexedPaths(app.db, h.pipeline)) {
      if (files.has(p.path)) continue;
      if (++missing <= SHOWN) problem(h.outputCommit, `${p.datum ? `datum ${p.datum} wrote` : "the owners table names"} ${p.path}, which output commit ${h.outputCommit} of job ${h.job} does not hold`);
    }
    if (missing > SHOWN) problem(h.outputCommit, `and ${missing - SHOWN} more output paths that output commit ${h.outputCommit} does not hold`);
  }
  return out;
}
