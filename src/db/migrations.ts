// Versioned schema migrations, applied in order at start (PRAGMA user_version
// records how far a database is). Append new steps; never edit a shipped one.

export const migrations: string[] = [
  `
  CREATE TABLE repos (
    name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'user');
  CREATE TABLE branches (
    repo TEXT NOT NULL, name TEXT NOT NULL, head TEXT, PRIMARY KEY (repo, name));
  CREATE TABLE commits (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, repo TEXT NOT NULL, branch TEXT NOT NULL,
    parent TEXT, origin TEXT NOT NULL, started TEXT NOT NULL, finished TEXT,
    tree TEXT NOT NULL, size_bytes INTEGER NOT NULL, provenance TEXT NOT NULL DEFAULT '[]',
    job TEXT, message TEXT NOT NULL DEFAULT '');
  CREATE INDEX commits_by_repo ON commits (repo, seq);
  CREATE TABLE trees (hash TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE pipelines (
    name TEXT PRIMARY KEY, spec_file TEXT NOT NULL, spec TEXT NOT NULL,
    version INTEGER NOT NULL, version_hash TEXT NOT NULL,
    reprocess_nonce INTEGER NOT NULL DEFAULT 0, paused INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1, force_due INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL, updated TEXT NOT NULL);
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, pipeline TEXT NOT NULL, state TEXT NOT NULL,
    reason TEXT, started TEXT NOT NULL, finished TEXT, input_commits TEXT NOT NULL,
    output_commit TEXT, fingerprint TEXT NOT NULL, salt TEXT NOT NULL, version INTEGER NOT NULL,
    total INTEGER NOT NULL DEFAULT 0, processed INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    recovered INTEGER NOT NULL DEFAULT 0, stats TEXT NOT NULL DEFAULT '{}');
  CREATE INDEX jobs_by_pipeline ON jobs (pipeline, seq);
  CREATE INDEX jobs_by_fingerprint ON jobs (pipeline, fingerprint);
  CREATE TABLE job_datums (job TEXT PRIMARY KEY, body TEXT NOT NULL, owners TEXT) WITHOUT ROWID;
  CREATE TABLE datum_results (
    pipeline TEXT NOT NULL, hash TEXT NOT NULL, datum TEXT NOT NULL, job TEXT NOT NULL,
    outputs TEXT NOT NULL, PRIMARY KEY (pipeline, hash)) WITHOUT ROWID;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE spout_markers (
    pipeline TEXT PRIMARY KEY, commit_id TEXT NOT NULL, tree TEXT NOT NULL, size_bytes INTEGER NOT NULL);
  CREATE TABLE stat_cache (root TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE cron_inputs (
    pipeline TEXT NOT NULL, name TEXT NOT NULL, start TEXT NOT NULL, PRIMARY KEY (pipeline, name)) WITHOUT ROWID;
  `,
  // 2: an incremental job stores only the datums it re-planned, by reference to its base
  // job's list; each pipeline's last successful job leaves an index (datum -> hash and
  // outputs, output path -> writers) that the next job reads a few rows of, not all.
  // The owners blob goes: the first job after the upgrade plans in full and builds the index.
  `
  ALTER TABLE job_datums ADD COLUMN base TEXT;
  ALTER TABLE job_datums ADD COLUMN dropped TEXT;
  ALTER TABLE job_datums ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE job_datums DROP COLUMN owners;
  CREATE TABLE index_heads (pipeline TEXT PRIMARY KEY, job TEXT NOT NULL, plan_key TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE datum_index (
    pipeline TEXT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL, sort_key TEXT NOT NULL,
    state TEXT NOT NULL, outputs TEXT NOT NULL, PRIMARY KEY (pipeline, id)) WITHOUT ROWID;
  CREATE TABLE output_owners (
    pipeline TEXT NOT NULL, path TEXT NOT NULL, writers TEXT NOT NULL, PRIMARY KEY (pipeline, path)) WITHOUT ROWID;
  `,
  // 3: the stat cache in buckets with a digest each (a put reads and rewrites only the buckets
  // whose files changed), and where each folder's last put went. A cache: dropping the old
  // rows costs one re-read of each folder.
  `
  DROP TABLE stat_cache;
  CREATE TABLE stat_cache (
    root TEXT NOT NULL, bucket INTEGER NOT NULL, digest TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (root, bucket)) WITHOUT ROWID;
  CREATE TABLE stat_targets (root TEXT PRIMARY KEY, target TEXT NOT NULL, tree TEXT NOT NULL) WITHOUT ROWID;
  `,
  // 4: the next commit's and job's sequence number is MAX(seq) + 1: an index each, so
  // that is one lookup, not a scan of every commit or job ever made.
  `
  CREATE INDEX commits_by_seq ON commits (seq);
  CREATE INDEX jobs_by_seq ON jobs (seq);
  `,
  // 5: remote workers and a runner lock that holds beyond one machine (issue 14): which
  // worker ran a job's datums, and the runner lease (one row: holder and expiry) that a
  // runner on a libSQL server renews, since a local flock means nothing to another host.
  `
  ALTER TABLE jobs ADD COLUMN workers TEXT;
  CREATE TABLE runner_lease (
    name TEXT PRIMARY KEY, holder TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
    lock_path TEXT NOT NULL, expires_ms INTEGER NOT NULL, renewed TEXT NOT NULL) WITHOUT ROWID;
  `,
];
