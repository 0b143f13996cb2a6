// What it takes to make a commit: its new id, the tree and metadata it
// carries (NewCommit), and the refusal when its branch moved meanwhile.
import type { Tx } from "../db/client.ts";
import type { Origin } from "../db/queries/commits.ts";

export interface NewCommit {
  /** Pre-allocated id (a job announces its output commit id to transforms). */
  id?: string;
  repo: string;
  branch: string;
  origin: Origin;
  root: string;
  size: number;
  nodes: Map<string, string>;
  provenance?: { repo: string; commit: string }[];
  job?: string | null;
  message?: string;
  /** Extra statements to run in the same transaction (e.g. a spout marker). */
  extra?: (tx: Tx, commitId: string) => Promise<void>;
  /** The head the tree was computed from: the commit is refused (StaleHead) if the branch moved since. */
  expect?: string | null;
}

/** The branch moved while a change was computed from it: compute it again from the new head. */
export class StaleHead extends Error {
  constructor(repo: string, branch: string) {
    super(`${repo}@${branch} moved while the commit was being made`);
  }
}

/** A new random id (commits, jobs): 32 lowercase hex digits. */
export function newId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

