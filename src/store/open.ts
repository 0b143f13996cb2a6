// Builds the object store a store URL names: `file:` (the data dir's own
// objects), `file:DIR` (the objects of the data dir DIR) or
// `s3://BUCKET/PREFIX` (endpoint, region and credentials from StoreEnv, which
// main.ts fills from CALF_S3_ENDPOINT and the standard AWS_* variables).
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";
import { invalid } from "../errors.ts";
import { FsObjectStore } from "./fs/store.ts";
import { S3Client, type ClientOptions } from "./s3/client.ts";
import { S3ObjectStore, type S3StoreOptions } from "./s3/store.ts";
import type { ObjectStore } from "./types.ts";

export interface StoreEnv {
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
}

export type StoreLocation =
  | { kind: "file"; /** A data dir whose objects/ to use; null: this data dir. */ dir: string | null }
  | { kind: "s3"; bucket: string; /** "" or ending in "/". */ prefix: string };

/** The store settings of an environment (main.ts passes process.env). */
export function storeEnvFrom(env: Record<string, string | undefined>): StoreEnv {
  const v = (name: string) => (env[name] ? env[name] : undefined);
  return {
    endpoint: v("CALF_S3_ENDPOINT"),
    accessKeyId: v("AWS_ACCESS_KEY_ID"),
    secretAccessKey: v("AWS_SECRET_ACCESS_KEY"),
    sessionToken: v("AWS_SESSION_TOKEN"),
    region: v("AWS_REGION") ?? v("AWS_DEFAULT_REGION"),
  };
}

const HINT = "write file: (this data dir), file:DIR (another data dir's objects) or s3://BUCKET/PREFIX";
/** S3's bucket naming rules (general purpose buckets). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses a store URL; relative `file:` folders are taken from `cwd`. */
export function parseStoreUrl(url: string, cwd: string): StoreLocation {
  if (url === "file:" || url === "file://") return { kind: "file", dir: null };
  if (url.startsWith("file:")) {
    const p = url.startsWith("file://") ? url.slice("file://".length) : url.slice("file:".length);
    if (url.startsWith("file://") && !p.startsWith("/")) throw invalid(`store "${url}": file:// URLs take no host`, HINT);
    return { kind: "file", dir: path.resolve(cwd, decodeURIComponent(p)) };
  }
  if (url.startsWith("s3://")) {
    const rest = url.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = (slash < 0 ? "" : rest.slice(slash + 1)).replace(/\/+$/, "");
    if (!BUCKET.test(bucket) || bucket.includes("..")) {
      throw invalid(`store "${url}": "${bucket}" is not a valid bucket name`, "bucket names are 3-63 characters: lowercase letters, digits, dots and hyphens");
    }
    if (/\/\/|(^|\/)\.\.?(\/|$)/.test(prefix)) throw invalid(`store "${url}": the prefix "${prefix}" has an empty, "." or ".." segment`, HINT);
    return { kind: "s3", bucket, prefix: prefix ? `${prefix}/` : "" };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw invalid(`store "${url}": ${scheme ? `unknown scheme "${scheme}:"` : "not a store URL"}`, HINT);
}

export interface OpenStoreDeps {
  env: StoreEnv;
  /** This data dir: `file:` means its objects, and an S3 store spools under its tmp/. */
  dataDir: string;
  cwd: string;
  rt: Pick<Runtime, "sha256" | "sha256Hasher" | "syncfs">;
  /** The wall clock (the fs driver stamps stored and reused objects for gc's grace period). */
  clock: { now(): Date };
  /** Tuning for tests and benchmarks (thresholds, retries). */
  s3?: Partial<Pick<S3StoreOptions, "multipartThreshold" | "partSize" | "concurrency" | "listPageSize">> & ClientOptions;
}

/** The store `url` names. Throws an `invalid` CalfError (exit 2) for a bad URL or missing credentials. */
export function openStore(url: string, deps: OpenStoreDeps): ObjectStore {
  const loc = parseStoreUrl(url, deps.cwd);
  if (loc.kind === "file") return new FsObjectStore(loc.dir ?? deps.dataDir, deps.rt, deps.clock);
  const { env } = deps;
  if (!env.accessKeyId || !env.secretAccessKey) {
    const unset = [!env.accessKeyId && "AWS_ACCESS_KEY_ID", !env.secretAccessKey && "AWS_SECRET_ACCESS_KEY"].filter(Boolean).join(" and ");
    throw invalid(`store "${url}": no S3 credentials: ${unset} ${unset.includes(" and ") ? "are" : "is"} not set`, "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials); calf reads no ~/.aws files");
  }
  if (env.endpoint !== undefined && !/^https?:\/\/[^/?#\s]+\/?$/.test(env.endpoint)) {
    throw invalid(`CALF_S3_ENDPOINT "${env.endpoint}" is not an endpoint URL`, "write http(s)://HOST[:PORT], with no path (buckets are addressed path-style under it)");
  }
  const client = new S3Client(
    { bucket: loc.bucket, region: env.region ?? "us-east-1", endpoint: env.endpoint },
    { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey, sessionToken: env.sessionToken },
    deps.s3,
  );
  return new S3ObjectStore({
    client, prefix: loc.prefix, spoolDir: path.join(deps.dataDir, "tmp"), openedAt: deps.clock.now().getTime(),
    sha256: (d) => deps.rt.sha256(d), sha256Hasher: () => deps.rt.sha256Hasher(), ...deps.s3,
  });
}
