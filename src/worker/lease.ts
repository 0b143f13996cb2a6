// A lease as a worker holds it: the transform rebuilt from the grant over the
// worker's own pipelines folder (and refused when that folder differs from
// serve's: another version hash), and a NodeLoader over the directory
// listings the grant carries, so materialize() walks them as it walks trees.
import * as fs from "node:fs";
import * as path from "node:path";
import type { NodeLoader, TreeEntry } from "../repo/tree.ts";
import type { DirNode } from "../repo/shard.ts";
import { versionHash } from "../run/version.ts";
import type { PipelineSpec } from "../spec/types.ts";
import type { ObjectStore } from "../store/types.ts";
import type { LeaseGrant, WireDatum } from "./protocol.ts";

/** A lease as this worker holds it. */
export interface HeldLease {
  grant: LeaseGrant;
  spec: PipelineSpec;
  store: ObjectStore;
  loader: NodeLoader;
  abort: AbortController;
  /** Datums queued, running or not yet reported. */
  left: number;
  state: "active" | "expired" | "ended";
  logDir: string;
}

/** The grant's pipeline as a spec under `pipelinesDir` (unchecked: see specOf). */
export function grantSpec(grant: LeaseGrant, pipelinesDir: string): PipelineSpec {
  const t = grant.transform;
  return {
    name: grant.pipeline, description: "", file: path.resolve(pipelinesDir, t.spec_file),
    transform: {
      cmd: t.cmd, ...(t.stdin ? { stdin: t.stdin } : {}), env: t.env, workingDir: path.resolve(pipelinesDir, t.working_dir),
      ...(t.err_cmd ? { errCmd: t.err_cmd } : {}), ...(t.err_stdin ? { errStdin: t.err_stdin } : {}), acceptReturnCode: t.accept_return_code, deps: t.deps,
    },
    input: null, parallelism: null, datumTries: t.datum_tries, datumTimeoutMs: t.datum_timeout_ms, jobTimeoutMs: null, outputBranch: "master",
    reprocessSpec: "until_success", spout: null, merge: "append", datumBatching: t.datum_batching === true, ...(t.salt ? { salt: t.salt } : {}),
  } satisfies PipelineSpec;
}

/** The grant's pipeline as a spec under `pipelinesDir`, or why this worker cannot run it. */
export function specOf(grant: LeaseGrant, pipelinesDir: string, sha256: (s: string | Uint8Array) => string): PipelineSpec | { refused: string } {
  const t = grant.transform;
  const spec = grantSpec(grant, pipelinesDir);
  if (!fs.statSync(spec.transform.workingDir, { throwIfNoEntry: false })?.isDirectory()) {
    return { refused: `its working dir ${spec.transform.workingDir} does not exist here (run the worker with --pipelines pointing at a copy of serve's pipelines folder)` };
  }
  const mine = versionHash(spec, sha256);
  if (mine !== t.version_hash) {
    return { refused: `this worker's copy of its transform or deps (under ${pipelinesDir}) differs from serve's (version ${mine.slice(0, 12)}, serve has ${t.version_hash.slice(0, 12)})` };
  }
  return spec;
}

/** Tree nodes made up from the grant's listings: a directory input's hash, then `hash:/sub/dir` below it. */
export function listingLoader(datums: WireDatum[]): NodeLoader {
  const nodes = new Map<string, TreeEntry[]>();
  for (const d of datums) {
    for (const [root, files] of Object.entries(d.dirs)) {
      if (nodes.has(root)) continue;
      nodes.set(root, []);
      for (const [p, hash, size] of files) {
        const segs = p.split("/").filter(Boolean);
        let at = root;
        for (let i = 0; i < segs.length; i++) {
          const last = i === segs.length - 1;
          const id = last ? hash : `${root}:/${segs.slice(0, i + 1).join("/")}`;
          const entries = nodes.get(at)!;
          if (!entries.some((e) => e.name === segs[i])) entries.push({ name: segs[i]!, type: last ? "file" : "dir", hash: id, size: last ? size : 0 });
          if (!last && !nodes.has(id)) nodes.set(id, []);
          at = id;
        }
      }
    }
  }
  return {
    async node(hash: string): Promise<DirNode> {
      const entries = nodes.get(hash);
      if (!entries) throw new Error(`the lease lists no directory ${hash}`);
      return { kind: "list", entries };
    },
  };
}
