// The transform's environment (SPEC §4.6): the runner's own environment minus
// calf's secrets, then transform.env (with /pfs rewritten to PFS_ROOT, as in
// cmd), then the Pachyderm variables. Pure.
import type { DatumInput } from "../plan/types.ts";
import { rewritePfs } from "./rewrite.ts";

const SECRETS = ["CALF_API_TOKEN", "CALF_DB_URL", "CALF_DB_AUTH_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

export interface EnvContext {
  base: Record<string, string | undefined>;
  transformEnv: Record<string, string>;
  pfsRoot: string;
  inputs: DatumInput[];
  pipeline: string;
  jobId: string;
  datumId: string;
  outputCommit: string;
}

export function transformEnv(c: EnvContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.base)) if (v !== undefined && !SECRETS.includes(k)) env[k] = v;
  // Pachyderm's spouts pass /pfs/out through env; without a sandbox /pfs lives at
  // PFS_ROOT (with one, PFS_ROOT is /pfs and this changes nothing).
  for (const [k, v] of Object.entries(c.transformEnv)) env[k] = rewritePfs(v, c.pfsRoot);
  const byName = new Map<string, DatumInput[]>();
  for (const i of c.inputs) byName.set(i.name, [...(byName.get(i.name) ?? []), i]);
  for (const [name, ins] of byName) {
    // One entry: its path. Several (a group datum): the input's folder.
    env[name] = ins.length === 1 ? entryPath(c.pfsRoot, name, ins[0]!.path) : `${c.pfsRoot}/${name}`;
    env[`${name}_COMMIT`] = ins[0]!.commit;
    // Pachyderm 2.x: the file's join/group key, when it has one (the last file's, as Pachyderm appends them).
    for (const i of ins) {
      if (i.joinOn !== undefined) env[`PACH_DATUM_${name}_JOIN_ON`] = i.joinOn;
      if (i.groupBy !== undefined) env[`PACH_DATUM_${name}_GROUP_BY`] = i.groupBy;
    }
  }
  env.PACH_JOB_ID = c.jobId;
  env.PACH_DATUM_ID = c.datumId;
  env.PACH_OUTPUT_COMMIT_ID = c.outputCommit;
  env.PPS_PIPELINE_NAME = c.pipeline;
  env.PFS_ROOT = c.pfsRoot;
  return env;
}

/** The variables transformEnv() sets for a datum and not for its job: a batched datum's line carries them (batch.ts). */
export function datumVarNames(inputs: { name: string }[]): string[] {
  const names = new Set(["PACH_DATUM_ID"]);
  for (const { name } of inputs) for (const k of [name, `${name}_COMMIT`, `PACH_DATUM_${name}_JOIN_ON`, `PACH_DATUM_${name}_GROUP_BY`]) names.add(k);
  return [...names];
}

export function entryPath(pfsRoot: string, name: string, path: string): string {
  return path === "/" ? `${pfsRoot}/${name}` : `${pfsRoot}/${name}${path}`;
}
