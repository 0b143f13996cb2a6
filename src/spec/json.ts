// A validated spec back in SPEC §3's own field names (snake_case, Go
// durations), for `inspect pipeline -o json`: what the user would write, not
// the internal model, so it can be linted or run again. Pure; no I/O.
import type { Input, PipelineSpec } from "./types.ts";

/** Milliseconds as a Go duration that parseDuration reads back: 5400000 -> "1h30m". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = Math.round(ms);
  let out = "";
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** Drops undefined fields, so optional ones the user did not write stay out. */
const compact = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function inputJson(input: Input): Record<string, unknown> {
  switch (input.kind) {
    case "pfs":
      return {
        pfs: compact({
          name: input.name, repo: input.repo, branch: input.branch, glob: input.glob, join_on: input.joinOn, group_by: input.groupBy,
          outer_join: input.outerJoin, empty_files: input.emptyFiles, reference: input.reference,
        }),
      };
    case "cron":
      return { cron: compact({ name: input.name, spec: input.spec, repo: input.repo, start: input.start, overwrite: input.overwrite, catch_up: input.catchUp }) };
    default:
      return { [input.kind]: input.inputs.map(inputJson) };
  }
}

export function specJson(s: PipelineSpec): Record<string, unknown> {
  const t = s.transform;
  return compact({
    pipeline: { name: s.name },
    description: s.description || undefined,
    transform: compact({
      cmd: t.cmd, stdin: t.stdin, env: t.env, working_dir: t.workingDir, err_cmd: t.errCmd, err_stdin: t.errStdin,
      accept_return_code: t.acceptReturnCode, image: t.image, deps: t.deps,
    }),
    input: s.input ? inputJson(s.input) : undefined,
    parallelism_spec: s.parallelism === null ? undefined : { constant: s.parallelism },
    datum_tries: s.datumTries,
    datum_timeout: s.datumTimeoutMs === null ? undefined : goDuration(s.datumTimeoutMs),
    job_timeout: s.jobTimeoutMs === null ? undefined : goDuration(s.jobTimeoutMs),
    output_branch: s.outputBranch,
    reprocess_spec: s.reprocessSpec,
    spout: s.spout ? compact({ overwrite: s.spout.overwrite, marker: s.spout.marker }) : undefined,
    merge: s.merge,
  });
}
