// The lease protocol between `calf serve` and `calf worker` (issue 14): the
// JSON bodies of /api/v1/leases/*, and the checks serve runs on everything a
// worker sends (a worker is semi-trusted: it holds the token, not the keys to
// other jobs). Pure: no I/O.
import { invalid } from "../errors.ts";
import type { DatumInput } from "../plan/types.ts";

/** Outputs at most this big travel inside the report (base64) when objects go through serve. */
export const INLINE_MAX = 64 << 10;
/** Inputs at most INLINE_MAX big travel inside the lease, up to this much per lease. */
export const INLINE_LEASE_BYTES = 4 << 20;
export const MAX_REPORT_BYTES = 64 << 20;
export const MAX_SMALL_BODY = 256 << 10;
const MAX_RESULTS = 10_000;
const MAX_OUTPUTS = 100_000;
const MAX_REASON = 16 << 10;
const MAX_LOG = 1 << 20;

export interface LeaseRequest {
  worker: string;
  slots: number;
  max: number;
  wait_ms: number;
}

export interface WireTransform {
  cmd: string[];
  stdin: string[] | null;
  env: Record<string, string>;
  /** Relative to the pipelines folder (the worker has its own copy: --pipelines). */
  working_dir: string;
  spec_file: string;
  err_cmd: string[] | null;
  err_stdin: string[] | null;
  accept_return_code: number[];
  deps: string[];
  salt: string | null;
  datum_tries: number;
  datum_timeout_ms: number | null;
  /** datum_batching: the worker serves the lease's datums with one process per slot (absent from an older serve: false). */
  datum_batching?: boolean;
  /** The pipeline's version hash on serve (run/version.ts): a worker whose folder differs refuses the lease. */
  version_hash: string;
}

export interface WireDatum {
  id: string;
  hash: string;
  inputs: DatumInput[];
  /** For each directory input (by its tree hash): its files as [path below it, hash, size]. */
  dirs: Record<string, [string, string, number][]>;
}

export interface LeaseGrant {
  lease: string;
  job: string;
  pipeline: string;
  output_commit: string;
  ttl_ms: number;
  /** The S3 store the worker reads and writes itself; null: objects go through serve (/api/v1/objects). */
  store: string | null;
  transform: WireTransform;
  datums: WireDatum[];
  /** Small input objects, base64, so a datum of small files needs no further request. */
  objects: Record<string, string>;
}

export interface WireOutput {
  path: string;
  hash: string;
  size: number;
  /** The bytes (base64) of an output of at most INLINE_MAX when objects go through serve. */
  data?: string;
}

export interface WireResult {
  lease: string;
  datum: string;
  state: "success" | "failed" | "recovered";
  tries: number;
  duration_ms: number;
  reason: string | null;
  outputs: WireOutput[];
  /** Each attempt's log ("1", "2", ..., "err_cmd") as calf's log file text. */
  logs: Record<string, string>;
}

export interface Report {
  worker: string;
  results: WireResult[];
}

export interface Heartbeat {
  worker: string;
  slots: number;
  leases: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;
const ID = /^[0-9a-f]{1,80}$/;
const HASH = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const bad = (what: string, why: string) => invalid(`${what}: ${why}`);
const obj = (v: unknown, what: string): Record<string, unknown> => {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw bad(what, "must be a JSON object");
  return v as Record<string, unknown>;
};
const int = (v: unknown, what: string, min: number, max: number): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw bad(what, `must be a whole number from ${min} to ${max}`);
  return v;
};
const match = (v: unknown, re: RegExp, what: string): string => {
  if (typeof v !== "string" || !re.test(v)) throw bad(what, `is not valid (${JSON.stringify(String(v).slice(0, 80))})`);
  return v;
};
const list = (v: unknown, what: string, max: number): unknown[] => {
  if (!Array.isArray(v)) throw bad(what, "must be a list");
  if (v.length > max) throw bad(what, `has more than ${max} entries`);
  return v;
};

export const workerName = (v: unknown) => match(v, NAME, "worker");

export function parseLeaseRequest(body: unknown): LeaseRequest {
  const b = obj(body, "lease request");
  return { worker: workerName(b.worker), slots: int(b.slots, "slots", 1, 1024), max: int(b.max, "max", 1, 1000), wait_ms: int(b.wait_ms ?? 0, "wait_ms", 0, 30_000) };
}

export function parseHeartbeat(body: unknown): Heartbeat {
  const b = obj(body, "heartbeat");
  return { worker: workerName(b.worker), slots: int(b.slots, "slots", 1, 1024), leases: list(b.leases, "leases", 1000).map((l) => match(l, ID, "lease")) };
}

/**
 * An output path as a transform could have written it under /pfs/out:
 * absolute, no empty, "." or ".." segment, no NUL or control character,
 * segments of at most 255 bytes, at most 4096 in all.
 */
export function checkOutputPath(p: unknown): string {
  if (typeof p !== "string" || !p.startsWith("/") || p.length > 4096) throw bad("output path", `${JSON.stringify(String(p).slice(0, 80))} is not an absolute path of at most 4096 characters`);
  for (const seg of p.slice(1).split("/")) {
    if (!seg || seg === "." || seg === ".." || /[\u0000-\u001f\u007f]/.test(seg) || new TextEncoder().encode(seg).length > 255) {
      throw bad("output path", `${JSON.stringify(p.slice(0, 200))} has an empty, ".", ".." or unprintable segment, or one over 255 bytes`);
    }
  }
  return p;
}

function parseOutputs(v: unknown, what: string): WireOutput[] {
  const outs = list(v ?? [], what, MAX_OUTPUTS).map((o, i) => {
    const b = obj(o, `${what}[${i}]`);
    const out: WireOutput = { path: checkOutputPath(b.path), hash: match(b.hash, HASH, `${what}[${i}].hash`), size: int(b.size, `${what}[${i}].size`, 0, Number.MAX_SAFE_INTEGER) };
    if (b.data !== undefined) {
      const data = match(b.data, BASE64, `${what}[${i}].data`);
      if (out.size > INLINE_MAX || data.length !== 4 * Math.ceil(out.size / 3)) throw bad(`${what}[${i}].data`, `does not hold ${out.size} bytes of at most ${INLINE_MAX}`);
      out.data = data;
    }
    return out;
  });
  // No path twice, and no path both a file and a folder of another (sorted, a folder's files follow it).
  const paths = outs.map((o) => o.path).sort();
  for (let i = 1; i < paths.length; i++) {
    if (paths[i] === paths[i - 1] || paths[i]!.startsWith(paths[i - 1]! + "/")) throw bad(what, `"${paths[i - 1]}" is written twice, or as both a file and a folder`);
  }
  return outs;
}

export function parseReport(body: unknown): Report {
  const b = obj(body, "report");
  const worker = workerName(b.worker);
  const results = list(b.results, "results", MAX_RESULTS).map((r, i): WireResult => {
    const x = obj(r, `results[${i}]`);
    const state = x.state;
    if (state !== "success" && state !== "failed" && state !== "recovered") throw bad(`results[${i}].state`, "must be success, failed or recovered");
    const reason = x.reason ?? null;
    if (reason !== null && (typeof reason !== "string" || reason.length > MAX_REASON)) throw bad(`results[${i}].reason`, `must be null or text of at most ${MAX_REASON} characters`);
    const outputs = parseOutputs(x.outputs, `results[${i}].outputs`);
    if (state !== "success" && outputs.length) throw bad(`results[${i}].outputs`, `a ${state} datum has no outputs`);
    const logs: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(x.logs ?? {}, `results[${i}].logs`))) {
      if (!/^([1-9]\d{0,3}|err_cmd)$/.test(k) || typeof v !== "string" || v.length > MAX_LOG) throw bad(`results[${i}].logs`, `"${k.slice(0, 40)}" is not an attempt number or err_cmd with text of at most ${MAX_LOG} characters`);
      logs[k] = v;
    }
    const ms = x.duration_ms;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > 1e10) throw bad(`results[${i}].duration_ms`, "must be a number of milliseconds");
    return {
      lease: match(x.lease, ID, `results[${i}].lease`), datum: match(x.datum, ID, `results[${i}].datum`), state,
      tries: int(x.tries, `results[${i}].tries`, 0, 10_000), duration_ms: ms, reason, outputs, logs,
    };
  });
  return { worker, results };
}
