// Fixture for the ops tests: a data dir holding every kind of reference fsck
// and gc know — user commits, a pipeline's output with cached datum results
// and a datum index, a spout's commit and marker, and an open commit.
import * as fs from "node:fs";
import * as path from "node:path";
import type { TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { runAll } from "../helpers/run.ts";

export const COPY = `pipeline: {name: copy}
transform: {cmd: [sh, -c, 'cp -r "$data" /pfs/out/']}
input: {pfs: {repo: data, glob: "/*"}}
`;

export const FEED = `pipeline: {name: feed}
transform: {cmd: [sh, feed.sh]}
spout: {marker: offset}
`;

const FEED_SH = 'cd "$(mktemp -d -p "$PWD")"; echo spouted > s.txt; echo 1 > offset; tar -cf "$PFS_ROOT/out" s.txt offset\n';

/** data (/a, then /dir/b: two commits), copy's job over it, feed's archive with its marker, then an open commit on data@dev with /open.txt. */
export async function populate(t: TestApp): Promise<void> {
  t.spec("copy", COPY);
  t.spec("feed", FEED);
  fs.writeFileSync(path.join(t.pipelinesDir, "feed.sh"), FEED_SH);
  await putText(t.app.repos, "data", "/a", "A\n");
  await putText(t.app.repos, "data", "/dir/b", "B\n");
  const r = await runAll(t); // runs the spout (until it exits), then copy's job
  if (r.failed) throw new Error(`fixture run failed: ${JSON.stringify(r.jobs.map((j) => j.reason))}`);
  if ((await t.app.repos.listCommits("feed", "master")).length !== 1) throw new Error("fixture: the spout did not make one commit");
  await t.app.repos.startCommit("data", "dev");
  await putText(t.app.repos, "data", "/open.txt", "only in an open commit\n", { branch: "dev" });
}

/** The object behind a path of a branch head (or of the open commit on data@dev). */
export async function objectOf(t: TestApp, repo: string, file: string, branch = "master"): Promise<{ hash: string; commit: string }> {
  const c = branch === "dev" ? (await t.app.repos.openCommit(repo, branch))! : (await t.app.repos.branchHead(repo, branch))!;
  const e = await t.app.repos.lookup(c, file);
  if (!e) throw new Error(`${repo}@${branch}:${file} does not exist`);
  return { hash: e.hash, commit: c.id };
}

/** Overwrites an object's file in the store with other bytes (a disk, or a hand, changed it). */
export function corrupt(t: TestApp, hash: string, bytes = "changed on disk\n"): void {
  const p = t.app.store.localPath(hash)!;
  fs.chmodSync(p, 0o644);
  fs.writeFileSync(p, bytes);
}
