// The S3 requests the object store needs, signed with SigV4 by aws4fetch
// (plain fetch + WebCrypto: the same code under Bun and Deno), each retried
// per retry.ts and answered with a CalfError that says what to check. Path-
// style URLs for a custom endpoint (MinIO, R2, s3rver), virtual-hosted for AWS.
import { AwsClient } from "aws4fetch";
import { CalfError } from "../../errors.ts";
import { backoffMs, DEFAULT_RETRY, retryable, type RetryPolicy } from "./retry.ts";
import { elements, escapeXml, text } from "./xml.ts";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Location {
  bucket: string;
  region: string;
  /** A custom endpoint (`http://127.0.0.1:9000`): path-style URLs. Absent: AWS. */
  endpoint?: string;
}

export interface ClientOptions {
  retry?: RetryPolicy;
  /** A request with no response headers after this long is abandoned (and retried). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

export interface ListedObject {
  key: string;
  size: number;
  mtimeMs: number;
}

/** An S3 request that failed for good: the HTTP status (0: no answer) and S3's error code. */
export class S3Error extends CalfError {
  readonly status: number;
  readonly s3Code: string;
  constructor(message: string, status: number, s3Code: string, opts: { hint?: string; cause?: unknown } = {}) {
    super("failed", message, opts);
    this.status = status;
    this.s3Code = s3Code;
  }
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function hintFor(status: number, code: string): string | undefined {
  if (status === 0) return "check that the store's endpoint (CALF_S3_ENDPOINT) is right and reachable";
  if (status === 403 || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch") {
    return "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) and the bucket's policy";
  }
  if (code === "NoSuchBucket") return "create the bucket first, or fix the bucket name in --store/CALF_STORE";
  if (status === 301 || code === "PermanentRedirect" || code === "AuthorizationHeaderMalformed") return "the bucket is in another region: set AWS_REGION";
  return undefined;
}

export class S3Client {
  readonly location: S3Location;
  #aws: AwsClient;
  #retry: RetryPolicy;
  #timeoutMs: number;
  #sleep: (ms: number) => Promise<void>;
  #fetch: typeof fetch;
  #base: string;
  #pathStyle: boolean;

  constructor(location: S3Location, credentials: S3Credentials, opts: ClientOptions = {}) {
    this.location = location;
    // retries: 0: aws4fetch's own loop would retry without a bound on the total wait; ours below is.
    this.#aws = new AwsClient({ ...credentials, service: "s3", region: location.region, retries: 0 });
    this.#retry = opts.retry ?? DEFAULT_RETRY;
    this.#timeoutMs = opts.timeoutMs ?? 120_000;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#fetch = opts.fetch ?? fetch;
    const { bucket, region, endpoint } = location;
    // Virtual-hosted style, as AWS prefers; a bucket name with dots breaks its TLS name, so path style then.
    this.#pathStyle = endpoint !== undefined || bucket.includes(".");
    const host = endpoint?.replace(/\/+$/, "") ?? `https://s3.${region}.amazonaws.com`;
    this.#base = this.#pathStyle ? `${host}/${bucket}` : `https://${bucket}.s3.${region}.amazonaws.com`;
  }

  /** `s3://bucket/key`, for messages. */
  display(key: string): string {
    return `s3://${this.location.bucket}/${key}`;
  }

  /** Size and last-modified time (ms) of the object at `key`, or null when there is none. */
  async head(key: string): Promise<{ size: number; mtimeMs: number } | null> {
    const res = await this.#send("HEAD", this.#url(key), key, {}, [200, 404]);
    if (res.status === 404) return null;
    return { size: Number(res.headers.get("content-length") ?? 0), mtimeMs: Date.parse(res.headers.get("last-modified") ?? "") || 0 };
  }

  /**
   * Copies the object at `key` onto itself (CopyObject, metadata replaced), which
   * moves its last-modified time to now: how a reuse tells gc the object is fresh.
   * False when there is no such object.
   */
  async touch(key: string): Promise<boolean> {
    const source = `/${this.location.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
    const res = await this.#send("PUT", this.#url(key), key, { headers: { "x-amz-copy-source": source, "x-amz-metadata-directive": "REPLACE" } }, [200, 404], true);
    if (res.status === 404) return false;
    // Like a completion, a copy may answer 200 and still fail: the error is in the body.
    const xml = await res.text();
    if (elements(xml, "Error").length > 0) {
      const code = text(xml, "Code") ?? "";
      if (code === "NoSuchKey") return false;
      throw new S3Error(`object store: refreshing ${this.display(key)}: ${code}: ${text(xml, "Message") ?? ""}`, 200, code);
    }
    return true;
  }

  /** The object's bytes, or null when there is none. */
  async get(key: string): Promise<Uint8Array | null> {
    const res = await this.#send("GET", this.#url(key), key, {}, [200, 404], true);
    if (res.status === 404) return null;
    return new Uint8Array(await res.arrayBuffer());
  }

  /** The object's body as a stream, or null when there is none. */
  async getStream(key: string): Promise<ReadableStream<Uint8Array> | null> {
    const res = await this.#send("GET", this.#url(key), key, {}, [200, 404], true);
    if (res.status === 404) return null;
    return res.body ?? new ReadableStream({ start: (c) => c.close() });
  }

  /** Stores `body` at `key` in one request; S3 checks it against `sha256` (hex) and refuses a mismatch. */
  async put(key: string, body: Uint8Array, sha256: string): Promise<void> {
    await this.#send("PUT", this.#url(key), key, { body, sha256 }, [200]);
  }

  /** Removes `key`; a missing key is not an error. */
  async delete(key: string): Promise<void> {
    await this.#send("DELETE", this.#url(key), key, {}, [200, 204, 404]);
  }

  /** One page of ListObjectsV2 under `prefix`; `next` continues it, null at the end. */
  async list(prefix: string, next: string | null, maxKeys = 1000): Promise<{ objects: ListedObject[]; next: string | null }> {
    const q = new URLSearchParams({ "list-type": "2", prefix, "max-keys": String(maxKeys) });
    if (next) q.set("continuation-token", next);
    const res = await this.#send("GET", `${this.#bucketUrl()}?${q}`, prefix, {}, [200], true);
    const xml = await res.text();
    const objects = elements(xml, "Contents").map((c) => ({
      key: text(c, "Key") ?? "",
      size: Number(text(c, "Size") ?? 0),
      mtimeMs: Date.parse(text(c, "LastModified") ?? "") || 0,
    }));
    const truncated = text(xml, "IsTruncated") === "true";
    return { objects, next: truncated ? (text(xml, "NextContinuationToken") ?? null) : null };
  }

  async createMultipart(key: string): Promise<string> {
    const res = await this.#send("POST", `${this.#url(key)}?uploads`, key, {}, [200], true);
    const id = text(await res.text(), "UploadId");
    if (!id) throw new S3Error(`object store: starting an upload of ${this.display(key)}: no UploadId in the answer`, 200, "");
    return id;
  }

  /** Uploads part `n` (from 1); returns its ETag for completeMultipart. */
  async uploadPart(key: string, uploadId: string, n: number, body: Uint8Array, sha256: string): Promise<string> {
    const q = new URLSearchParams({ partNumber: String(n), uploadId });
    const res = await this.#send("PUT", `${this.#url(key)}?${q}`, key, { body, sha256 }, [200]);
    const etag = res.headers.get("etag");
    if (!etag) throw new S3Error(`object store: part ${n} of ${this.display(key)}: no ETag in the answer`, 200, "");
    return etag;
  }

  /** Makes the uploaded parts the object at `key`: only now does it become visible, whole. */
  async completeMultipart(key: string, uploadId: string, parts: { n: number; etag: string }[]): Promise<void> {
    const body = new TextEncoder().encode(
      `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`).join("")}</CompleteMultipartUpload>`,
    );
    const q = new URLSearchParams({ uploadId });
    const res = await this.#send("POST", `${this.#url(key)}?${q}`, key, { body }, [200], true);
    // S3 may answer 200 and still fail the completion: the error is in the body.
    const xml = await res.text();
    if (elements(xml, "Error").length > 0) {
      const code = text(xml, "Code") ?? "";
      throw new S3Error(`object store: completing the upload of ${this.display(key)}: ${code}: ${text(xml, "Message") ?? ""}`, 200, code);
    }
  }

  /** Drops an unfinished multipart upload and its parts. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    const q = new URLSearchParams({ uploadId });
    await this.#send("DELETE", `${this.#url(key)}?${q}`, key, {}, [200, 204, 404]);
  }

  #url(key: string): string {
    return `${this.#base}/${key.split("/").map(encodeURIComponent).join("/")}`;
  }

  #bucketUrl(): string {
    return this.#pathStyle ? this.#base : `${this.#base}/`;
  }

  /**
   * One request, signed afresh for each try, retried per the policy on
   * network errors, 5xx, 429 and throttling codes. Resolves with a response
   * whose status is in `accept` (its body unread when `keepBody`, else drained).
   */
  async #send(method: string, url: string, key: string, opts: { body?: Uint8Array; sha256?: string; headers?: Record<string, string> }, accept: number[], keepBody = false): Promise<Response> {
    const what = `${method} ${this.display(key)}`;
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let code = "";
      let message = "";
      let cause: unknown;
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      try {
        const headers: Record<string, string> = { "x-amz-content-sha256": opts.sha256 ?? (opts.body ? "UNSIGNED-PAYLOAD" : EMPTY_SHA256) };
        if (opts.body) headers["content-type"] = "application/octet-stream";
        Object.assign(headers, opts.headers);
        const req = await this.#aws.sign(url, { method, headers, body: opts.body as BodyInit | undefined, redirect: "manual", signal: ctl.signal });
        const res = await this.#fetch(req);
        clearTimeout(timer);
        if (accept.includes(res.status)) {
          if (!keepBody) await res.arrayBuffer().catch(() => undefined);
          return res;
        }
        status = res.status;
        const body = method === "HEAD" ? "" : await res.text().catch(() => "");
        code = text(body, "Code") ?? res.statusText ?? "";
        message = text(body, "Message") ?? "";
      } catch (err) {
        clearTimeout(timer);
        if (err instanceof S3Error) throw err;
        cause = err;
        message = (err as Error)?.message ?? String(err);
      }
      const again = status === 0 || retryable(status, code);
      if (!again || attempt >= this.#retry.attempts) {
        const tries = attempt > 1 ? ` (after ${attempt} tries)` : "";
        const why = status === 0 ? `no answer: ${message}` : `HTTP ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
        throw new S3Error(`object store: ${what}: ${why}${tries}`, status, code, { hint: hintFor(status, code), cause });
      }
      await this.#sleep(backoffMs(this.#retry, attempt));
    }
  }
}
