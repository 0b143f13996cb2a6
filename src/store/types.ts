// The object store: file contents by SHA-256, written before any metadata
// refers to them. One interface, several drivers (fs/ for the data dir's
// objects folder, memory/ for tests; one contract suite runs over every
// driver: test/store/contract.ts). What a transform needs as a local file
// comes from `localPath` where a driver keeps files, else from `read`
// (transform/materialize.ts).

export interface StoredObject {
  hash: string;
  size: number;
}

/** One object written piece by piece (a spout's file): synchronous, no promise per chunk. */
export interface ObjectWriter {
  /** Hashes and writes `bytes` before returning: the caller may reuse the buffer. */
  write(bytes: Uint8Array): void;
  /** The finished object, pending until the next flush() like every new object. */
  close(): StoredObject;
  /** Drops what was written; a no-op after close(). */
  abort(): void;
}

/** Object writers in a row: see ObjectStore.writers(). */
export interface WriterSource {
  next(): ObjectWriter;
  /** Call when done: releases what was prepared ahead. */
  close(): Promise<void>;
}

export interface ObjectInfo {
  hash: string;
  size: number;
  /** When the object was last stored or reused (gc keeps young objects a writer may not have referenced yet). */
  mtimeMs: number;
}

export interface ObjectStore {
  /** Stores bytes; a no-op when an object with that content exists. */
  putBytes(data: Uint8Array): Promise<StoredObject>;
  /**
   * Stores a local file. `move`: the file is the caller's to give up (a
   * transform's output), so a driver may take it without a copy; it is gone
   * afterwards. A file with other hard links is copied all the same.
   */
  putFile(path: string, opts?: { size?: number; move?: boolean }): Promise<StoredObject>;
  /** Stores the concatenation of a stream's chunks. */
  putStream(chunks: AsyncIterable<Uint8Array | string>): Promise<StoredObject>;
  /** A new object written piece by piece. Call abort() if it is not to be kept. */
  writer(): ObjectWriter;
  /** Writers one after another (a spout's files); a driver may prepare the next one ahead. */
  writers(): WriterSource;
  /** Stores the concatenation of existing objects followed by extra bytes (append). */
  concat(parts: string[], extra?: Uint8Array): Promise<StoredObject>;
  /**
   * Whether an object with this hash is stored or pending. A true answer
   * counts as a reuse: the object's mtime (ObjectInfo.mtimeMs) moves to now,
   * as it does when a put finds its bytes already stored, so gc keeps it
   * through its grace period while the caller references it.
   */
  has(hash: string): Promise<boolean>;
  read(hash: string): Promise<Uint8Array>;
  stream(hash: string): AsyncIterable<Uint8Array>;
  /**
   * Makes every object written so far durable and readable under its hash.
   * Call before committing metadata that references them. Concurrent calls
   * are serialised; each covers everything written before it started.
   */
  flush(): Promise<void>;
  /**
   * Removes a stored object (gc); a missing one is not an error. With
   * `unchangedSince` (the mtimeMs list() gave), only if it was not stored or
   * reused since, atomically with respect to writers of this store. Returns
   * whether it was removed.
   */
  delete(hash: string, opts?: { unchangedSince?: number }): Promise<boolean>;
  /** Every stored (flushed) object. */
  list(): AsyncIterable<ObjectInfo>;
  /**
   * A local file holding the object's bytes, to copy or bind into a sandbox
   * without a read; null when this store keeps no local files. Never write to it.
   */
  localPath(hash: string): string | null;
}
