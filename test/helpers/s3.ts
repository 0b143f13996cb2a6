// Test helper: s3rver on 127.0.0.1 (a Node child process, bounded lifetime, own
// temp folder), the environment calf needs to reach it, and a proxy in front of
// it that checks every request's SigV4 signature (s3rver checks only the key
// id), injects error answers or delay, and records what it saw.
// @ts-expect-error: aws4 ships no type declarations
import aws4 from "aws4";
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { removeDir, tempDir } from "./tmp.ts";

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** CALF_S3_ENDPOINT and AWS_* for calf processes. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** Starts s3rver with one bucket; it stops itself after `lifetimeMs` even if the test never calls stop(). */
export async function startS3(opts: { bucket?: string; lifetimeMs?: number } = {}): Promise<S3Server> {
  const dir = tempDir("calf-s3rver-");
  const bucket = opts.bucket ?? "calf-test";
  const script = path.join(import.meta.dir, "s3rver-child.mjs");
  const child: ChildProcess = spawn("node", ["--openssl-legacy-provider", script, dir, bucket, String(opts.lifetimeMs ?? 300_000)], {
    stdio: ["pipe", "pipe", "inherit"],
    // A runner in this process kills children it did not start whose environment
    // names no other pipeline's datum (transform/orphans.ts): this one names one.
    env: { ...process.env, PPS_PIPELINE_NAME: "calf-test-s3rver", PACH_JOB_ID: "none", PACH_DATUM_ID: "none" },
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("s3rver did not start within 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: { CALF_S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey, AWS_REGION: "us-east-1" },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      removeDir(dir);
    },
  };
}

export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** The status the client got (a fault's, or the server's). */
  status: number;
  headers: http.IncomingHttpHeaders;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request forwarded or failed, in arrival order. */
  seen: SeenRequest[];
  /** Decides, per request, to answer with this status instead of forwarding it (null: forward). */
  fault: (req: { method: string; url: string }) => number | null;
  /** Milliseconds to wait before forwarding each request (a far-away S3 for benchmarks). */
  delayMs: number;
  stop(): Promise<void>;
}

/**
 * Whether a request's SigV4 Authorization header is right for `secret`,
 * recomputed by aws4 (an implementation independent of the aws4fetch calf uses)
 * over exactly the headers the request says it signed.
 */
export function signatureOk(req: { method: string; url: string; headers: http.IncomingHttpHeaders }, secret: string, wantRegion = "us-east-1"): boolean {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ""));
  if (!auth) return false;
  const [, keyId, region, service, signed] = auth;
  if (region !== wantRegion || service !== "s3") return false;
  const headers: Record<string, string> = {};
  for (const h of signed!.split(";")) headers[h] = String(req.headers[h] ?? "");
  const opts = { method: req.method, host: headers.host, path: req.url, headers, service, region };
  aws4.sign(opts, { accessKeyId: keyId, secretAccessKey: secret });
  return (opts.headers as Record<string, string>).Authorization === req.headers.authorization;
}

function errorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of `target` that refuses a request with
 * a wrong signature (403 SignatureDoesNotMatch, as S3 does) and can answer
 * chosen requests with an error status.
 */
export async function faultProxy(target: string, secret = S3_CREDENTIALS.secretAccessKey): Promise<FaultProxy> {
  const t = new URL(target);
  const proxy: FaultProxy = { endpoint: "", seen: [], fault: () => null, delayMs: 0, stop: async () => {} };
  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const injected = proxy.fault({ method, url });
    const status = injected ?? (signatureOk({ method, url, headers: req.headers }, secret) ? null : 403);
    if (status !== null) {
      req.resume();
      req.on("end", () => {
        proxy.seen.push({ method, url, status, headers: req.headers });
        const body = injected === null
          ? errorBody("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
          : errorBody(status === 503 ? "SlowDown" : "InternalError", "injected by the test");
        res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
        res.end(method === "HEAD" ? undefined : body);
      });
      return;
    }
    // The Host header is forwarded as the client signed it (SigV4 covers it).
    if (proxy.delayMs > 0) req.pause();
    const forward = () => {
      const up = http.request({ host: t.hostname, port: t.port, method, path: url, headers: req.headers }, (ur) => {
        proxy.seen.push({ method, url, status: ur.statusCode ?? 0, headers: req.headers });
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on("error", () => res.destroy());
      req.pipe(up);
    };
    if (proxy.delayMs > 0) setTimeout(forward, proxy.delayMs);
    else forward();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.stop = () => new Promise((r) => {
    server.closeAllConnections?.();
    server.close(() => r());
  });
  return proxy;
}
