// Naming rules for pipelines, repos, branches and input names (SPEC §3).
// Pure; each check returns the problem as [message, hint], or undefined when the name is fine.

export type NameProblem = [message: string, hint: string];

const PIPELINE = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
const SIMPLE = /^[A-Za-z0-9_-]+$/;

/** Names `calf` commands take in the pipeline's place (`calf run cron PIPELINE`). */
export const RESERVED_PIPELINE_NAMES: readonly string[] = ["cron"];

export function pipelineNameProblem(name: string): NameProblem | undefined {
  if (RESERVED_PIPELINE_NAMES.includes(name)) {
    return [`"${name}" is reserved`, `"calf run ${name} PIPELINE" is a command; choose another name`];
  }
  if (!PIPELINE.test(name)) {
    return [
      `"${name}" is not a valid pipeline name`,
      'use letters, digits, "_" and "-", start and end with a letter or digit, at most 63 characters',
    ];
  }
  return undefined;
}

/** Repo and branch names: letters, digits, "_" and "-" (Pachyderm's rule). */
export function simpleNameProblem(name: string, what: string): NameProblem | undefined {
  return SIMPLE.test(name) ? undefined : [`"${name}" is not a valid ${what}`, 'use letters, digits, "_" and "-"'];
}

/** Input and spout marker names become `/pfs/<name>`; "out" is the output folder. */
export function inputNameProblem(name: string, what = "input name"): NameProblem | undefined {
  if (name === "out") return ['"out" is reserved for the output folder /pfs/out', `choose another ${what}`];
  return simpleNameProblem(name, what);
}
