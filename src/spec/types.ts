// Normalised pipeline spec: what validation produces and everything else reads.
// Pure data; defaults are filled in (see SPEC §3).

// The input tree is the planner's model (plan/input.ts); the spec reads YAML into it.
export type { CompositeInput, CronInput, Input, PfsInput } from "../plan/input.ts";
import type { Input } from "../plan/input.ts";

export interface Transform {
  cmd: string[];
  stdin?: string[];
  env: Record<string, string>;
  workingDir: string; // absolute; defaults to the spec file's folder
  errCmd?: string[];
  errStdin?: string[];
  acceptReturnCode: number[];
  image?: string;
  deps: string[]; // relative to the spec file's folder; "x/" covers a subtree
}

export interface PipelineSpec {
  name: string;
  description: string;
  file: string; // absolute path of the spec file
  transform: Transform;
  input: Input | null; // null only for spouts
  parallelism: number | null; // null: number of CPUs
  datumTries: number; // default 3
  datumTimeoutMs: number | null;
  jobTimeoutMs: number | null;
  outputBranch: string; // default "master"
  reprocessSpec: "until_success" | "every_job";
  spout: { overwrite: boolean; marker?: string } | null;
  merge: "append" | "error";
  /** Pachyderm 2.x datum batching (SPEC §3; Pachyderm's transform.datum_batching): one process per worker slot serves datum after datum. */
  datumBatching: boolean;
  /** Pachyderm's salt: part of the pipeline version (changing it reprocesses every datum). Absent when not set. */
  salt?: string;
  /** Pachyderm's datum_set_spec (1.x: chunk_spec is ignored): kept for batching and workers; absent when not set. */
  datumSetSpec?: DatumSetSpec;
  /** Where the spec was written; for messages only, not part of the pipeline version. */
  source?: SpecSource;
}

/**
 * A folder-backed repo (calf extension, SPEC §3): a spec document
 * `repo: {name, source, description}` makes repo `name` mirror a host folder,
 * snapshotted before every pass of the runner. The folder is only read.
 */
export interface FolderRepo {
  name: string;
  /** Absolute path of the folder (`source`, relative to the spec file's folder). */
  folder: string;
  description: string;
  /** Absolute path of the spec file. */
  file: string;
  /** Where it was written: for messages only. */
  at: SpecSource;
}

/** How many datums go to a worker at once; 0 = unset (Pachyderm's DatumSetSpec). */
export interface DatumSetSpec {
  number: number;
  sizeBytes: number;
  perWorker: number;
}

/** 1-based line and column of a node in a spec file. */
export interface SpecPos {
  line: number;
  col: number;
}

/** Positions of a spec's fields, so cross-file checks can point at the offending node. */
export interface SpecSource {
  file: string; // as the user named it, e.g. "pipelines/edges.yaml"
  doc: number; // 0-based index of the YAML document within the file
  positions: Record<string, SpecPos>; // field path ("input.cross[0].pfs.repo", "" = document) -> value node
}

/** A located problem in a spec file; message is the part after `field.path: `. */
export interface SpecIssue {
  file: string;
  line: number; // 1-based; 0 when unknown
  col: number; // 1-based; 0 when unknown
  path: string; // field path, e.g. "input.pfs.repo"; "" for the whole document
  message: string;
  hint?: string;
}
