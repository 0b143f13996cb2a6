// A worker's HTTP client of `calf serve` (worker/protocol.ts): every request
// carries the token; failures of the network or 5xx answers are retried with
// backoff by the caller's choice (`retry`), 4xx are errors that say what
// serve said.
import * as fs from "node:fs";
import { Readable } from "node:stream";
import { CalfError } from "../errors.ts";
import type { LeaseGrant, Report, WireResult } from "./protocol.ts";
import type { BeatAnswer } from "../run/leases.ts";

export class ServeError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class ServeClient {
  constructor(readonly base: string, private readonly token: string, private readonly sleep: (ms: number) => Promise<void>) {}

  async #req(method: string, path: string, body?: BodyInit | null, type = "application/json", signal?: AbortSignal, length?: number): Promise<Response> {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method, body, signal, headers: {
        Authorization: `Bearer ${this.token}`, ...(body ? { "Content-Type": type } : {}), ...(length !== undefined ? { "Content-Length": String(length) } : {}),
      },
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
    if (res.status >= 400) {
      const text = await res.text().catch(() => "");
      let msg = text.slice(0, 300);
      try {
        msg = (JSON.parse(text) as { error?: string }).error ?? msg;
      } catch { /* not JSON */ }
      throw new ServeError(res.status, `${method} ${path}: ${res.status} ${msg}`);
    }
    return res;
  }

  async #json<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T | null> {
    const res = await this.#req("POST", path, JSON.stringify(body), undefined, signal);
    return res.status === 204 ? null : ((await res.json()) as T);
  }

  /** Retries `fn` on network errors and 5xx answers (serve restarting), up to `tries` times with backoff. */
  async retry<T>(fn: () => Promise<T>, tries = 8, signal?: AbortSignal): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        const transient = !(err instanceof ServeError) || err.status >= 500;
        if (!transient || i >= tries || signal?.aborted) throw err;
        await this.sleep(Math.min(5000, 100 * 2 ** i));
      }
    }
  }

  lease(worker: string, slots: number, max: number, waitMs: number, signal?: AbortSignal): Promise<LeaseGrant | null> {
    return this.#json<LeaseGrant>("/leases", { worker, slots, max, wait_ms: waitMs }, signal);
  }

  async heartbeat(worker: string, slots: number, leases: string[]): Promise<Record<string, BeatAnswer>> {
    return (await this.#json<{ leases: Record<string, BeatAnswer> }>("/leases/heartbeat", { worker, slots, leases }))!.leases;
  }

  async release(worker: string, slots: number, leases: string[]): Promise<void> {
    await this.#json("/leases/release", { worker, slots, leases });
  }

  async report(worker: string, results: WireResult[]): Promise<{ datum: string; status: string; error?: string }[]> {
    const body: Report = { worker, results };
    return (await this.#json<{ results: { datum: string; status: string; error?: string }[] }>("/leases/results", body))!.results;
  }

  async getObject(hash: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.#req("GET", `/objects/${hash}`)).arrayBuffer());
  }

  /** An object's bytes as they arrive (a big input is never held whole). */
  async getObjectStream(hash: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#req("GET", `/objects/${hash}`);
    return res.body ?? new ReadableStream({ start: (c) => c.close() });
  }

  /** Uploads a file as object `hash`, streamed with its length (serve hashes it as it stores it). */
  async putObjectFile(hash: string, file: string): Promise<void> {
    const size = fs.statSync(file).size;
    const body = Readable.toWeb(fs.createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
    await this.#req("PUT", `/objects/${hash}`, body, "application/octet-stream", undefined, size);
  }

  /** Whether serve answers and takes the token (the worker's first call: a clear error instead of silent retries). */
  async check(worker: string): Promise<void> {
    try {
      await this.heartbeat(worker, 1, []);
    } catch (err) {
      const hint = err instanceof ServeError && err.status === 401 ? "CALF_API_TOKEN must be the token serve was started with"
        : err instanceof ServeError && err.status === 404 ? "serve takes workers only when it runs with CALF_API_TOKEN set"
        : "is `calf serve` running there, and reachable from this machine?";
      throw new CalfError("failed", `cannot join ${this.base}: ${(err as Error).message}`, { hint });
    }
  }
}
