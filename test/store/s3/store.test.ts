// S3ObjectStore beyond the shared contract, against s3rver on loopback behind
// a fault-injecting proxy that records every request: retries, HEAD before
// PUT, multipart uploads, aborted uploads leave nothing visible, hash checks.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { S3Client } from "../../../src/store/s3/client.ts";
import { S3ObjectStore, type S3StoreOptions } from "../../../src/store/s3/store.ts";
import { rt } from "../../helpers/app.ts";
import { faultProxy, S3_CREDENTIALS, startS3, type FaultProxy, type S3Server } from "../../helpers/s3.ts";
import { listFiles, removeDir, tempDir } from "../../helpers/tmp.ts";

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const enc = (s: string) => new TextEncoder().encode(s);
const KiB = 1024;
/** Deterministic, non-repeating-looking bytes (a part mix-up cannot go unnoticed). */
function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

let server: S3Server;
let proxy: FaultProxy;
let dir: string;
let prefix: string;
let n = 0;
beforeAll(async () => {
  server = await startS3();
});
afterAll(() => server.stop());
beforeEach(async () => {
  proxy = await faultProxy(server.endpoint);
  dir = tempDir();
  prefix = `case-${n++}/`;
});
afterEach(async () => {
  await proxy.stop();
  removeDir(dir);
});

/** A client straight to the server (no proxy, no faults): what any other reader of the bucket sees. */
const direct = () => new S3Client({ bucket: server.bucket, region: "us-east-1", endpoint: server.endpoint }, S3_CREDENTIALS);

async function makeStore(opts: Partial<S3StoreOptions> & { secret?: string; sessionToken?: string; attempts?: number } = {}): Promise<S3ObjectStore> {
  const r = await rt();
  const client = new S3Client(
    { bucket: server.bucket, region: "us-east-1", endpoint: proxy.endpoint },
    { ...S3_CREDENTIALS, secretAccessKey: opts.secret ?? S3_CREDENTIALS.secretAccessKey, sessionToken: opts.sessionToken },
    { retry: { attempts: opts.attempts ?? 4, baseMs: 1, capMs: 5 } },
  );
  return new S3ObjectStore({ client, prefix, spoolDir: path.join(dir, "spool"), openedAt: Date.now(), sha256: (d) => r.sha256(d), sha256Hasher: () => r.sha256Hasher(), ...opts });
}

const key = (hash: string) => `/${server.bucket}/${prefix}cas/${hash}`;
const requests = (method: string, hash: string) => proxy.seen.filter((r) => r.method === method && r.url.split("?")[0] === key(hash));

describe("S3ObjectStore retries", () => {
  test("flush() retries a PUT answered 503 SlowDown and 500, then stores the object", async () => {
    const store = await makeStore();
    const data = enc("retried");
    let faults = 2;
    proxy.fault = (r) => (r.method === "PUT" && faults > 0 ? (faults-- === 2 ? 503 : 500) : null);
    await store.putBytes(data);
    await store.flush();
    expect(requests("PUT", sha(data)).map((r) => r.status)).toEqual([503, 500, 200]);
    expect(await direct().get(`${prefix}cas/${sha(data)}`)).toEqual(data);
  });

  test("a HEAD and a ListObjectsV2 answered 503 are retried too", async () => {
    const store = await makeStore();
    const o = await store.putBytes(enc("listed"));
    await store.flush();
    let faults = 2;
    proxy.fault = (r) => ((r.method === "HEAD" || r.url.includes("list-type=2")) && faults-- > 0 ? 503 : null);
    const fresh = await makeStore();
    expect(await fresh.has(o.hash)).toBe(true);
    const listed = [];
    for await (const x of fresh.list()) listed.push(x.hash);
    expect(listed).toEqual([o.hash]);
    expect(proxy.seen.filter((r) => r.status === 503)).toHaveLength(2);
  });

  test("flush() gives up after the policy's attempts with the status in the message; the object stays pending and a later flush() stores it", async () => {
    const store = await makeStore({ attempts: 3 });
    proxy.fault = (r) => (r.method === "PUT" ? 500 : null);
    const o = await store.putBytes(enc("stubborn"));
    await expect(store.flush()).rejects.toThrow(/PUT s3:\/\/calf-test\/case-\d+\/cas\/[0-9a-f]{64}: HTTP 500 InternalError: injected by the test \(after 3 tries\)/);
    // The failed upload was retried once more by flush() itself: 2 x 3 tries, nothing stored.
    expect(requests("PUT", o.hash)).toHaveLength(6);
    expect(await direct().head(`${prefix}cas/${o.hash}`)).toBeNull();
    expect(await store.has(o.hash)).toBe(true);
    expect(new TextDecoder().decode(await store.read(o.hash))).toBe("stubborn");
    proxy.fault = () => null;
    await store.flush();
    expect(await direct().get(`${prefix}cas/${o.hash}`)).toEqual(enc("stubborn"));
  });

  test("a 403 SignatureDoesNotMatch (wrong secret) is not retried and says what to check", async () => {
    const store = await makeStore({ secret: "wrong" });
    await store.putBytes(enc("denied"));
    const err = await store.flush().then(() => null, (e) => e);
    expect(err.message).toMatch(/HEAD s3:\/\/calf-test\/case-\d+\/cas\/[0-9a-f]{64}: HTTP 403 Forbidden$/);
    expect(err.hint).toContain("AWS_SECRET_ACCESS_KEY");
    // One HEAD per upload attempt (the background one and flush()'s), no retries.
    expect(proxy.seen.map((r) => `${r.method} ${r.status}`)).toEqual(["HEAD 403", "HEAD 403"]);
  });
});

describe("S3Client signing", () => {
  test("with a session token, every request carries it as a signed x-amz-security-token header", async () => {
    const store = await makeStore({ sessionToken: "FQoGZXIvYXdzEXAMPLETOKEN" });
    const o = await store.putBytes(enc("temporary credentials"));
    await store.flush();
    expect(await (await makeStore({ sessionToken: "FQoGZXIvYXdzEXAMPLETOKEN" })).read(o.hash)).toEqual(enc("temporary credentials"));
    expect(proxy.seen.map((r) => `${r.method} ${r.status}`)).toEqual(["HEAD 404", "PUT 200", "GET 200"]);
    for (const r of proxy.seen) {
      expect(r.headers["x-amz-security-token"]).toBe("FQoGZXIvYXdzEXAMPLETOKEN");
      expect(String(r.headers.authorization)).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
    }
  });
});

describe("S3ObjectStore HEAD before PUT", () => {
  test("an object S3 already has is not uploaded again, not even by another store over the same prefix: it is refreshed (copied onto itself) instead", async () => {
    const data = enc("stored once");
    const first = await makeStore();
    await first.putBytes(data);
    await first.flush();
    const second = await makeStore();
    await second.putBytes(data);
    const w = second.writer();
    w.write(data);
    w.close();
    await second.flush();
    const puts = requests("PUT", sha(data));
    expect(puts.filter((r) => !r.headers["x-amz-copy-source"])).toHaveLength(1);
    // The second store's reuse (its put; its writer's same bytes join that pending one) refreshes the object once, for gc's grace period.
    expect(puts.filter((r) => r.headers["x-amz-copy-source"]).map((r) => r.status)).toEqual([200]);
    expect(requests("HEAD", sha(data)).map((r) => r.status)).toEqual([404, 200]);
  });
});

describe("S3ObjectStore multipart uploads", () => {
  const opts = { multipartThreshold: 200 * KiB, partSize: 64 * KiB };

  test("an object at the threshold goes up in parts, completed once, and reads back byte for byte", async () => {
    const store = await makeStore(opts);
    const data = pattern(300 * KiB + 5);
    const w = store.writer();
    for (let off = 0; off < data.byteLength; off += 10_000) w.write(data.subarray(off, off + 10_000));
    const o = w.close();
    await store.flush();
    const parts = requests("PUT", o.hash).map((r) => new URL(r.url, "http://x").searchParams.get("partNumber"));
    expect(parts.sort()).toEqual(["1", "2", "3", "4", "5"]);
    expect(requests("POST", o.hash).map((r) => new URL(r.url, "http://x").searchParams.has("uploadId"))).toEqual([false, true]);
    expect(sha(await direct().get(`${prefix}cas/${o.hash}`) ?? new Uint8Array())).toBe(sha(data));
    expect(sha(await (await makeStore()).read(o.hash))).toBe(sha(data));
  });

  test("a part that keeps failing aborts the upload: nothing is visible under the key, and the object stays pending", async () => {
    const store = await makeStore(opts);
    proxy.fault = (r) => (r.url.includes("partNumber=2") ? 500 : null);
    const data = pattern(300 * KiB, 7);
    const o = await store.putBytes(data);
    await expect(store.flush()).rejects.toThrow(/part|partNumber|HTTP 500/);
    expect(await direct().head(`${prefix}cas/${o.hash}`)).toBeNull();
    const listed = await direct().list(`${prefix}cas/`, null);
    expect(listed.objects).toEqual([]);
    // No completion was asked for, and each failed upload was aborted.
    const posts = requests("POST", o.hash).map((r) => r.url);
    expect(posts.filter((u) => u.includes("uploadId="))).toEqual([]);
    expect(requests("DELETE", o.hash).filter((r) => r.url.includes("uploadId="))).toHaveLength(2);
    expect(await store.has(o.hash)).toBe(true);
    proxy.fault = () => null;
    await store.flush();
    expect(sha(await direct().get(`${prefix}cas/${o.hash}`) ?? new Uint8Array())).toBe(o.hash);
  });

  test("a failing single PUT leaves nothing under the key either", async () => {
    const store = await makeStore();
    proxy.fault = (r) => (r.method === "PUT" ? 503 : null);
    const o = await store.putBytes(pattern(10 * KiB));
    await expect(store.flush()).rejects.toThrow(/HTTP 503 SlowDown/);
    expect(await direct().head(`${prefix}cas/${o.hash}`)).toBeNull();
  });
});

describe("S3ObjectStore reads", () => {
  test("read() and stream() refuse an object whose bytes do not hash to its key", async () => {
    const hash = sha("what the name says");
    const bogus = enc("something else");
    await direct().put(`${prefix}cas/${hash}`, bogus, sha(bogus));
    const store = await makeStore();
    await expect(store.read(hash)).rejects.toThrow(`hash to ${sha(bogus)}, not to its name`);
    const drain = async () => {
      for await (const _ of store.stream(hash)) void _;
    };
    await expect(drain()).rejects.toThrow("not to its name");
  });

  test("list() pages through ListObjectsV2 and skips keys that are not objects", async () => {
    const store = await makeStore({ listPageSize: 2 });
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await store.putBytes(enc(`obj ${i}`))).hash);
    await store.flush();
    await direct().put(`${prefix}cas/not-a-hash`, enc("x"), sha("x"));
    await direct().put(`${prefix}elsewhere/${made[0]}`, enc("x"), sha("x"));
    proxy.seen.length = 0;
    const listed = [];
    for await (const o of store.list()) listed.push(o);
    expect(listed.map((o) => o.hash).sort()).toEqual(made.sort());
    expect(listed.every((o) => o.size === 5 && o.mtimeMs > 0)).toBe(true);
    expect(proxy.seen.filter((r) => r.url.includes("list-type=2")).length).toBe(3);
  });
});

describe("S3ObjectStore.list()", () => {
  test("an object uploaded in the background is not listed until flush() covered it", async () => {
    const store = await makeStore();
    const o = await store.putBytes(enc("early"));
    for (const until = Date.now() + 10_000; Date.now() < until && !(await direct().head(`${prefix}cas/${o.hash}`)); ) await new Promise((r) => setTimeout(r, 5));
    expect((await direct().head(`${prefix}cas/${o.hash}`))?.size).toBe(5);
    const listed = async () => {
      const out = [];
      for await (const x of store.list()) out.push(x.hash);
      return out;
    };
    expect(await listed()).toEqual([]);
    await store.flush();
    expect(await listed()).toEqual([o.hash]);
  }, 30_000);
});

describe("S3ObjectStore spool", () => {
  test("a big written object waits in a spool file until flush(), which removes it", async () => {
    const store = await makeStore();
    const w = store.writer();
    w.write(pattern(200 * KiB));
    w.close();
    const moved = path.join(dir, "out.bin");
    fs.writeFileSync(moved, pattern(100 * KiB, 3));
    await store.putFile(moved, { move: true });
    expect(fs.existsSync(moved)).toBe(false);
    expect(listFiles(store.spoolDir)).toHaveLength(2);
    await store.flush();
    expect(listFiles(store.spoolDir)).toEqual([]);
  });
});
