// s3rver on 127.0.0.1, a free port, folder argv[2], bucket argv[3]; prints {"port":N}.
// Exits after argv[4] ms, when its stdin closes (its parent died) or on SIGTERM.
// Run by Node with --openssl-legacy-provider: s3rver's ListObjectsV2 continuation
// tokens use DES, which Bun's crypto (BoringSSL) and Node's default OpenSSL 3 lack.
import * as fs from "node:fs";
import S3rver from "s3rver";
import FilesystemStore from "s3rver/lib/stores/filesystem.js";

// One deviation of s3rver from S3, corrected: S3 gives a copy of an object onto itself
// (CopyObject with x-amz-metadata-directive: REPLACE) a new LastModified, the copy's
// time, as it does any new object; s3rver rewrites only the metadata and keeps the old
// file's mtime, which is what it reports. calf's S3 driver refreshes reused objects this
// way (gc's grace period), so the emulator must move the time as S3 does.
const copyObject = FilesystemStore.prototype.copyObject;
FilesystemStore.prototype.copyObject = async function (srcBucket, srcKey, destBucket, destKey, replacement) {
  if (srcBucket === destBucket && srcKey === destKey) {
    const now = new Date();
    fs.utimesSync(this.getResourcePath(destBucket, destKey, "object"), now, now);
  }
  return copyObject.call(this, srcBucket, srcKey, destBucket, destKey, replacement);
};

const [dir, bucket, lifetime] = process.argv.slice(2);
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + "\n");
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close().catch(() => undefined);
  process.exit(0);
};
setTimeout(stop, Number(lifetime) || 300_000);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
