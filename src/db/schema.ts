// The metadata schema (drizzle, SQLite dialect). One file, mirrored by the
// SQL in migrations.ts, which is what actually creates the tables.
import { sqliteTable, text, integer, primaryKey } from "drizzle-orm/sqlite-core";

export const repos = sqliteTable("repos", {
  name: text("name").primaryKey(),
  description: text("description").notNull().default(""),
  created: text("created").notNull(),
  /** user | pipeline | spout | cron: who writes it. */
  kind: text("kind").notNull().default("user"),
});

export const branches = sqliteTable(
  "branches",
  {
    repo: text("repo").notNull(),
    name: text("name").notNull(),
    head: text("head"),
  },
  (t) => [primaryKey({ columns: [t.repo, t.name] })],
);

export const commits = sqliteTable("commits", {
  id: text("id").primaryKey(),
  seq: integer("seq").notNull(),
  repo: text("repo").notNull(),
  branch: text("branch").notNull(),
  parent: text("parent"),
  origin: text("origin").notNull(),
  started: text("started").notNull(),
  finished: text("finished"),
  tree: text("tree").notNull(),
  sizeBytes: integer("size_bytes").notNull(),
  provenance: text("provenance").notNull().default("[]"),
  job: text("job"),
  message: text("message").notNull().default(""),
});

/** Merkle tree nodes: a directory's entries, addressed by their hash. */
export const trees = sqliteTable("trees", {
  hash: text("hash").primaryKey(),
  body: text("body").notNull(),
});

export const pipelines = sqliteTable("pipelines", {
  name: text("name").primaryKey(),
  specFile: text("spec_file").notNull(),
  spec: text("spec").notNull(),
  version: integer("version").notNull(),
  versionHash: text("version_hash").notNull(),
  reprocessNonce: integer("reprocess_nonce").notNull().default(0),
  paused: integer("paused").notNull().default(0),
  active: integer("active").notNull().default(1),
  /** Set by `restart datum`: due even though its inputs did not change. */
  forceDue: integer("force_due").notNull().default(0),
  created: text("created").notNull(),
  updated: text("updated").notNull(),
});

export const jobs = sqliteTable("jobs", {
  id: text("id").primaryKey(),
  seq: integer("seq").notNull(),
  pipeline: text("pipeline").notNull(),
  state: text("state").notNull(),
  reason: text("reason"),
  started: text("started").notNull(),
  finished: text("finished"),
  inputCommits: text("input_commits").notNull(),
  outputCommit: text("output_commit"),
  fingerprint: text("fingerprint").notNull(),
  salt: text("salt").notNull(),
  version: integer("version").notNull(),
  total: integer("total").notNull().default(0),
  processed: integer("processed").notNull().default(0),
  skipped: integer("skipped").notNull().default(0),
  failed: integer("failed").notNull().default(0),
  recovered: integer("recovered").notNull().default(0),
  stats: text("stats").notNull().default("{}"),
  /** Datums each remote worker ran, as JSON {name: count}; NULL when none did. */
  workers: text("workers"),
});

/**
 * The datums of a finished job as one JSON array (DatumRow[]): a job over 10k
 * files mostly repeats its predecessor's skipped datums, and one row is far
 * cheaper to write and read than 10k. An incremental job stores only the
 * datums it re-planned and names its `base`: it also has every datum of the
 * base's list (recursively) not in `dropped`, as skipped, on its own input commit.
 */
export const jobDatums = sqliteTable("job_datums", {
  job: text("job").primaryKey(),
  body: text("body").notNull(),
  /** Job whose list this one extends, or null when `body` is the whole list. */
  base: text("base"),
  /** JSON ids of the base's datums this job does not inherit. */
  dropped: text("dropped"),
  /** Bases to follow to reach a whole list (a job past a limit writes its whole list). */
  depth: integer("depth").notNull().default(0),
});

/** Which job each pipeline's datum index (datum_index, output_owners) describes, and its plan key. */
export const indexHeads = sqliteTable("index_heads", {
  pipeline: text("pipeline").primaryKey(),
  job: text("job").notNull(),
  planKey: text("plan_key").notNull(),
});

/** Every datum of a pipeline's last successful job: what an incremental job reads a few rows of. */
export const datumIndex = sqliteTable(
  "datum_index",
  {
    pipeline: text("pipeline").notNull(),
    id: text("id").notNull(),
    hash: text("hash").notNull(),
    /** JSON input paths (merge order). */
    sortKey: text("sort_key").notNull(),
    state: text("state").notNull(),
    /** JSON output paths the datum wrote. */
    outputs: text("outputs").notNull(),
  },
  (t) => [primaryKey({ columns: [t.pipeline, t.id] })],
);

/** Output path -> JSON ids of the datums that wrote it (merge order), for the same job. */
export const outputOwners = sqliteTable(
  "output_owners",
  {
    pipeline: text("pipeline").notNull(),
    path: text("path").notNull(),
    writers: text("writers").notNull(),
  },
  (t) => [primaryKey({ columns: [t.pipeline, t.path] })],
);

/** Successful datum results, reused by later jobs with the same datum hash. */
export const datumResults = sqliteTable(
  "datum_results",
  {
    pipeline: text("pipeline").notNull(),
    hash: text("hash").notNull(),
    datum: text("datum").notNull(),
    job: text("job").notNull(),
    outputs: text("outputs").notNull(),
  },
  (t) => [primaryKey({ columns: [t.pipeline, t.hash] })],
);

export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** The last committed marker of each spout (SPEC §5), as a file tree. */
export const spoutMarkers = sqliteTable("spout_markers", {
  pipeline: text("pipeline").primaryKey(),
  commitId: text("commit_id").notNull(),
  tree: text("tree").notNull(),
  sizeBytes: integer("size_bytes").notNull(),
});

/** When each cron input started ticking (SPEC §6: `start` defaults to first sync). */
export const cronInputs = sqliteTable(
  "cron_inputs",
  {
    pipeline: text("pipeline").notNull(),
    name: text("name").notNull(),
    start: text("start").notNull(),
  },
  (t) => [primaryKey({ columns: [t.pipeline, t.name] })],
);

/**
 * Content hashes of local files by stat identity, so re-putting an unchanged
 * folder reads nothing: per source folder put with -r, BUCKETS rows by a hash
 * of the relative path (path -> [stat signature, hash]), each with a digest
 * of its (path, signature) pairs, so a put reads and writes only the buckets
 * whose files changed.
 */
export const statCache = sqliteTable(
  "stat_cache",
  {
    root: text("root").notNull(),
    bucket: integer("bucket").notNull(),
    digest: text("digest").notNull(),
    body: text("body").notNull(),
  },
  (t) => [primaryKey({ columns: [t.root, t.bucket] })],
);

/** Where each folder's last put (--overwrite) went, "repo@branch:path", and the folder's tree hash it left there. */
export const statTargets = sqliteTable("stat_targets", {
  root: text("root").primaryKey(),
  target: text("target").notNull(),
  tree: text("tree").notNull(),
});

/** The runner lease (one row, name "runner"): who runs this database's jobs until when (app/runnerlease.ts). */
export const runnerLease = sqliteTable("runner_lease", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  host: text("host").notNull(),
  pid: integer("pid").notNull(),
  lockPath: text("lock_path").notNull(),
  expiresMs: integer("expires_ms").notNull(),
  renewed: text("renewed").notNull(),
});
