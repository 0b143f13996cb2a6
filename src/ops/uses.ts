// Who uses a bad object or tree node: the repo, commit and path of every
// commit tree (newest first) that reaches it, the spout markers and the cached
// datum results that name it. Only asked once fsck found something wrong, so
// it walks plainly, remembering per node what bad hashes lie below it.
import type { Db } from "../db/client.ts";
import { eachResult } from "../db/queries/results.ts";
import { treeBodies } from "../db/queries/trees.ts";
import type { Sha256 } from "../repo/tree.ts";
import { checkedNode, children, type Refs } from "./refs.ts";

export type Use =
  | { kind: "commit"; repo: string; commit: string; path: string; open: boolean }
  | { kind: "marker"; pipeline: string; path: string }
  | { kind: "result"; pipeline: string; datum: string; job: string; path: string };

export interface Uses {
  /** The first `limit` uses, newest commits first. */
  uses: Use[];
  total: number;
}

type Below = { path: string; hash: string }[];
const NONE: Below = [];

export async function findUses(db: Db, sha256: Sha256, bad: ReadonlySet<string>, refs: Pick<Refs, "commits" | "markers">, limit = 20): Promise<Map<string, Uses>> {
  const out = new Map<string, Uses>();
  const add = (hash: string, u: Use) => {
    let e = out.get(hash);
    if (!e) out.set(hash, (e = { uses: [], total: 0 }));
    e.total++;
    if (e.uses.length < limit) e.uses.push(u);
  };
  const memo = new Map<string, Below>();
  /** Bad hashes at or below node `hash`, with their paths relative to it ("" for the node itself). */
  const below = async (hash: string): Promise<Below> => {
    const hit = memo.get(hash);
    if (hit) return hit;
    if (bad.has(hash)) {
      memo.set(hash, [{ path: "", hash }]);
      return memo.get(hash)!;
    }
    const body = (await treeBodies(db, [hash])).get(hash);
    const node = body === undefined ? null : checkedNode(hash, body, sha256);
    let found: Below = NONE;
    if (node) {
      for (const c of children(node)) {
        const seg = c.name === null ? "" : `/${c.name}`;
        if (c.kind === "file") {
          if (bad.has(c.hash)) found = [...found, { path: seg, hash: c.hash }];
        } else {
          const sub = await below(c.hash);
          if (sub.length) found = [...found, ...sub.map((b) => ({ path: seg + b.path, hash: b.hash }))];
        }
      }
    }
    memo.set(hash, found);
    return found;
  };
  for (const c of refs.commits) {
    for (const b of await below(c.tree)) add(b.hash, { kind: "commit", repo: c.repo, commit: c.id, path: b.path || "/", open: c.finished === null });
  }
  for (const m of refs.markers) {
    for (const b of await below(m.tree)) add(b.hash, { kind: "marker", pipeline: m.pipeline, path: b.path || "/" });
  }
  for await (const r of eachResult(db)) {
    for (const o of r.outputs) if (bad.has(o.hash)) add(o.hash, { kind: "result", pipeline: r.pipeline, datum: r.datum, job: r.job, path: o.path });
  }
  return out;
}

/** "images@3fa9c2d1…:/cat.png" and the like, for one line of text. */
export function describeUse(u: Use): string {
  if (u.kind === "commit") return `${u.repo}@${u.commit}:${u.path}${u.open ? " (open commit)" : ""}`;
  if (u.kind === "marker") return `the marker of spout ${u.pipeline}:${u.path}`;
  return `the cached result of datum ${u.datum} of pipeline ${u.pipeline} (job ${u.job}):${u.path}`;
}
