// Listings in, datums out: the shapes the pure planner works on.

/** One entry of a commit's tree. Paths are absolute, no trailing slash; "/" is the root dir. */
export interface Entry {
  path: string;
  type: "file" | "dir";
  /** Content hash: a file's SHA-256, or a directory's tree hash (covers its subtree). */
  hash: string;
  size: number;
}

/** One input's slice of a datum: a file or directory of one pfs input. */
export interface DatumInput {
  name: string;
  repo: string;
  branch: string;
  commit: string;
  path: string;
  type: "file" | "dir";
  hash: string;
  size: number;
  reference: boolean;
  emptyFiles: boolean;
  /** Inside a join or group: this file's join_on / group_by key, when the template gives one (Pachyderm's PACH_DATUM_<name>_JOIN_ON / _GROUP_BY). */
  joinOn?: string;
  groupBy?: string;
}

export interface Datum {
  /** Stable identity: hash of (name, repo, branch, paths) of each input, sorted by input name. */
  id: string;
  /** Inputs sorted by input name, then path. */
  inputs: DatumInput[];
  /** Merge order key: the datum's input paths in input-name order. */
  sortKey: string[];
}
