// What a worker gets with a lease (worker/protocol.ts LeaseGrant): the
// transform as the pipelines folder has it, each datum's inputs with the files
// of its directory inputs listed, and small input objects inline when objects
// go through serve.
import { Buffer } from "node:buffer";
import * as path from "node:path";
import type { App } from "../../app.ts";
import type { Lease } from "../../run/leases.ts";
import { versionHash } from "../../run/version.ts";
import { walk } from "../../repo/tree.ts";
import { parseStoreUrl } from "../../store/open.ts";
import { INLINE_LEASE_BYTES, INLINE_MAX, type LeaseGrant, type WireDatum } from "../../worker/protocol.ts";

const versions = new Map<string, string>();

export async function buildGrant(app: App, lease: Lease, ttlMs: number): Promise<LeaseGrant> {
  const { spec } = lease.job;
  const t = spec.transform;
  const pipelines = app.settings.pipelinesDir;
  let version = versions.get(lease.job.id);
  if (!version) {
    if (versions.size > 64) versions.clear();
    versions.set(lease.job.id, (version = versionHash(spec, (s) => app.rt.sha256(s))));
  }
  const loc = parseStoreUrl(app.settings.storeUrl, app.host.cwd);
  const direct = loc.kind === "s3" ? app.settings.storeUrl : null;
  const objects: Record<string, string> = {};
  let inlined = 0;
  const inline = async (hash: string, size: number) => {
    if (direct || size > INLINE_MAX || inlined + size > INLINE_LEASE_BYTES || hash in objects) return;
    inlined += size;
    objects[hash] = Buffer.from(await app.store.read(hash)).toString("base64");
  };
  const datums: WireDatum[] = [];
  for (const item of lease.items) {
    const d = item.datum!;
    const dirs: WireDatum["dirs"] = {};
    for (const i of d.inputs) {
      if (i.emptyFiles) continue; // the worker makes them empty itself
      if (i.type === "file") await inline(i.hash, i.size);
      else if (!dirs[i.hash]) {
        const files = (await walk(app.repos.trees, i.hash, i.size, { recursive: true, includeSelf: false, base: "/" })).filter((e) => e.type === "file");
        dirs[i.hash] = files.map((e) => [e.path, e.hash, e.size]);
        for (const e of files) await inline(e.hash, e.size);
      }
    }
    datums.push({ id: d.id, hash: item.hash, inputs: d.inputs, dirs });
  }
  return {
    lease: lease.id, job: lease.job.id, pipeline: spec.name, output_commit: lease.job.outputCommit, ttl_ms: ttlMs, store: direct,
    transform: {
      cmd: t.cmd, stdin: t.stdin ?? null, env: t.env, working_dir: path.relative(pipelines, t.workingDir) || ".",
      spec_file: path.relative(pipelines, spec.file), err_cmd: t.errCmd ?? null, err_stdin: t.errStdin ?? null,
      accept_return_code: t.acceptReturnCode, deps: t.deps, salt: spec.salt ?? null, datum_tries: spec.datumTries,
      datum_timeout_ms: spec.datumTimeoutMs, datum_batching: spec.datumBatching, version_hash: version,
    },
    datums, objects,
  };
}
