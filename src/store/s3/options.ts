// What an S3 object store is built from (store/open.ts fills it from a store
// URL and the environment; tests and benchmarks tune the sizes).
import type { Hasher } from "../../../runtime/types.ts";
import type { S3Client } from "./client.ts";

export interface S3StoreOptions {
  client: S3Client;
  /** Key prefix: "" or ending in "/". */
  prefix: string;
  /** Where objects wait for their upload (created when first needed). */
  spoolDir: string;
  /** When this store was opened (ms since the epoch): in spool file names, so a leftover sweep tells a live writer's from a dead one's with the same pid. */
  openedAt: number;
  sha256(data: Uint8Array): string;
  sha256Hasher(): Hasher;
  /** Objects at least this big go up in parts (default 16 MiB). */
  multipartThreshold?: number;
  /** Size of each part (default 8 MiB; S3 wants at least 5 MiB but for the last). */
  partSize?: number;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Keys per ListObjectsV2 page (default 1000, S3's most). */
  listPageSize?: number;
  /** Request bodies held in memory at once (default 64 MiB). */
  memoryBytes?: number;
  /** A pending object up to this size waits in memory, not in a spool file (default 64 KiB)... */
  inMemoryMax?: number;
  /** ... while pending objects in memory take less than this in all (default 32 MiB). */
  inMemoryTotal?: number;
}
