// The size of a stored object, or null when the store does not have it: a
// stat of the local file where the driver keeps one, a HEAD on S3, else the
// bytes themselves (the memory driver). Serve checks a worker's outputs so.
import * as fs from "node:fs";
import { S3ObjectStore } from "./s3/store.ts";
import type { ObjectStore } from "./types.ts";

export async function storedSize(store: ObjectStore, hash: string): Promise<number | null> {
  if (store instanceof S3ObjectStore) return (await store.client.head(store.key(hash)))?.size ?? null;
  const local = store.localPath(hash);
  if (local) {
    const st = fs.statSync(local, { throwIfNoEntry: false });
    if (st?.isFile()) return st.size;
  }
  if (!(await store.has(hash))) return null;
  return (await store.read(hash)).byteLength;
}
