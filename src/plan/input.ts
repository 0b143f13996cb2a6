// The input tree a pipeline reads (SPEC §3 `<input>`), as the planner cuts it
// into datums: pfs leaves (glob, join/group keys), cron leaves, and the
// composite inputs over them. Pure data; spec/ reads YAML into it.

export interface PfsInput {
  kind: "pfs";
  name: string; // defaults to repo
  repo: string;
  glob: string;
  branch: string; // defaults to "master"
  joinOn?: string;
  groupBy?: string;
  outerJoin: boolean;
  emptyFiles: boolean;
  reference: boolean;
}
export interface CronInput {
  kind: "cron";
  name: string;
  spec: string;
  repo: string; // defaults to `<pipeline>_<name>`
  start?: string; // RFC 3339
  overwrite: boolean;
  catchUp?: number; // calf: missed ticks made at most per catch-up (the newest); default 100
}
export interface CompositeInput {
  kind: "cross" | "union" | "join" | "group";
  inputs: Input[];
}
export type Input = PfsInput | CronInput | CompositeInput;

/** A leaf of the input tree: a pfs input or a cron input (its repo, on master). */
export interface Leaf {
  name: string;
  repo: string;
  branch: string;
  cron: boolean;
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

