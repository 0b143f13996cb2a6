// What identifies a pipeline's work (SPEC §4.3, §4.5), computed once per job
// by the scheduler: the salt (pipeline version and --reprocess count: a datum
// result is reused only under the same salt), the plan key (input spec and
// merge mode: which datums exist and how they merge), and the fingerprint
// (input heads + both: a pipeline is due when no finished job has it). Pure.
import type { PipelineRow } from "../db/queries/pipelines.ts";
import type { Sha256 } from "../plan/identity.ts";
import type { LeafHead } from "./inputs.ts";

export interface JobIdentity {
  salt: string;
  planKey: string;
  fingerprint: string;
}

export function saltOf(versionHash: string, reprocessNonce: number, sha256: Sha256): string {
  return reprocessNonce === 0 ? versionHash : sha256(`${versionHash}:${reprocessNonce}`);
}

/**
 * What else decides which datums exist and how they merge: the input spec
 * and the merge mode. Not part of the salt (unchanged datums still skip),
 * but part of the fingerprint (a changed glob makes the pipeline due) and of
 * an incremental job's base check.
 */
export function planKeyOf(spec: Pick<PipelineRow["spec"], "input" | "merge">, sha256: Sha256): string {
  return sha256(JSON.stringify({ input: spec.input, merge: spec.merge }));
}

export function fingerprintOf(heads: LeafHead[], salt: string, planKey: string, sha256: Sha256): string {
  const parts = heads.map((h) => [h.name, h.repo, h.branch, h.commit]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return sha256(JSON.stringify({ inputs: parts, salt: `${salt}:${planKey}` }));
}

/** The identity of `p`'s next job over `heads`. */
export function identityOf(p: Pick<PipelineRow, "spec" | "versionHash" | "reprocessNonce">, heads: LeafHead[], sha256: Sha256): JobIdentity {
  const salt = saltOf(p.versionHash, p.reprocessNonce, sha256);
  const planKey = planKeyOf(p.spec, sha256);
  return { salt, planKey, fingerprint: fingerprintOf(heads, salt, planKey, sha256) };
}
