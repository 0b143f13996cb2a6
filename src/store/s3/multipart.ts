// A big object's upload to S3 in parts: read in order from memory or its
// spool file, several parts in flight (bounded by the store's limiter), the
// whole hashed on the way; completed only when every part landed and the
// bytes still hash to the object's name, else aborted.
import * as fsp from "node:fs/promises";
import type { Hasher } from "../../../runtime/types.ts";
import { CalfError } from "../../errors.ts";
import type { S3Client } from "./client.ts";
import type { Limiter } from "./limiter.ts";

export interface MultipartDeps {
  client: S3Client;
  limiter: Limiter;
  hasher(): Hasher;
  sha256(data: Uint8Array): string;
  partSize: number;
}

/**
 * Uploads a big object in parts read in order (hashing the whole on the
 * way), several parts in flight; completes only when every part landed and
 * the bytes still hash to the object's name, else aborts the upload.
 */
export async function multipartUpload(s: MultipartDeps, key: string, hash: string, p: { size: number; bytes: Uint8Array | null; file: string | null }): Promise<void> {
  const partSize = Math.max(s.partSize, Math.ceil(p.size / 10_000)); // S3 allows 10,000 parts
  const uploadId = await s.limiter.run(0, () => s.client.createMultipart(key));
  const fh = p.file ? await fsp.open(p.file, "r") : null;
  const parts: Promise<{ n: number; etag: string }>[] = [];
  let failed = false;
  try {
    const whole = s.hasher();
    for (let n = 1, off = 0; off < p.size && !failed; n++, off += partSize) {
      const len = Math.min(partSize, p.size - off);
      const release = await s.limiter.take(len);
      let body: Uint8Array;
      try {
        body = p.bytes ? p.bytes.subarray(off, off + len) : await readAt(fh!, off, len);
      } catch (err) {
        release();
        throw err;
      }
      whole.update(body);
      const partNo = n;
      const sent = s.client.uploadPart(key, uploadId, partNo, body, s.sha256(body)).then((etag) => ({ n: partNo, etag }));
      sent.then(release, () => {
        release();
        failed = true;
      });
      parts.push(sent);
    }
    const done = await Promise.allSettled(parts);
    const bad = done.find((r) => r.status === "rejected");
    if (bad) throw (bad as PromiseRejectedResult).reason;
    const got = whole.digest();
    if (got !== hash) throw new CalfError("failed", `object store: the bytes waiting to go to ${s.client.display(key)} changed (they now hash to ${got})`);
    await s.limiter.run(0, () => s.client.completeMultipart(key, uploadId, done.map((r) => (r as PromiseFulfilledResult<{ n: number; etag: string }>).value)));
  } catch (err) {
    await Promise.allSettled(parts); // no part may land after the abort
    await s.client.abortMultipart(key, uploadId).catch(() => undefined); // best effort: a lifecycle rule cleans what is left
    throw err;
  } finally {
    await fh?.close();
  }
}

async function readAt(fh: fsp.FileHandle, off: number, len: number): Promise<Uint8Array> {
  const buf = new Uint8Array(len);
  for (let got = 0; got < len; ) {
    const { bytesRead } = await fh.read(buf, got, len - got, off + got);
    if (bytesRead === 0) throw new Error(`spool file ended early (${got} of ${len} bytes at ${off})`);
    got += bytesRead;
  }
  return buf;
}
