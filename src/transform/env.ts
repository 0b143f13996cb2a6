// The transform's environment (SPEC §4.6): the runner's own environment minus
// calf's secrets, then transform.env, then the Pachyderm variables. Pure.
import type { DatumInput } from "../plan/types.ts";

const SECRETS = ["CALF_API_TOKEN", "CALF_DB_URL", "CALF_DB_AUTH_TOKEN"];

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
  Object.assign(env, c.transformEnv);
  const byName = new Map<string, DatumInput[]>();
  for (const i of c.inputs) byName.set(i.name, [...(byName.get(i.name) ?? []), i]);
  for (const [name, ins] of byName) {
    // One entry: its path. Several (a group datum): the input's folder.
    env[name] = ins.length === 1 ? entryPath(c.pfsRoot, name, ins[0]!.path) : `${c.pfsRoot}/${name}`;
    env[`${name}_COMMIT`] = ins[0]!.commit;
  }
  env.PACH_JOB_ID = c.jobId;
  env.PACH_DATUM_ID = c.datumId;
  env.PACH_OUTPUT_COMMIT_ID = c.outputCommit;
  env.PPS_PIPELINE_NAME = c.pipeline;
  env.PFS_ROOT = c.pfsRoot;
  return env;
}

export function entryPath(pfsRoot: string, name: string, path: string): string {
  return path === "/" ? `${pfsRoot}/${name}` : `${pfsRoot}/${name}${path}`;
}
