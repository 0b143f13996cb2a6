// Checks across all specs of a folder: duplicate names, unknown input repos,
// repo collisions and cycles, each pointing at the offending field.
// Pure; no I/O.

import { findCycles, leafInputs } from "./graph.ts";
import { issueAt, whereIs } from "./locate.ts";
import { didYouMean } from "./suggest.ts";
import type { CronInput, PipelineSpec, SpecIssue } from "./types.ts";

/** Issues of the set as a whole; `existingRepos` are the repos already in the data dir. */
export function validateSet(specs: PipelineSpec[], existingRepos: string[]): SpecIssue[] {
  return [...duplicateNames(specs), ...unknownRepos(specs, existingRepos), ...cronRepoClashes(specs), ...cycles(specs)];
}

function duplicateNames(specs: PipelineSpec[]): SpecIssue[] {
  return specs.flatMap((s) => {
    const others = specs.filter((o) => o !== s && o.name === s.name);
    if (others.length === 0) return [];
    const where = others.map((o) => whereIs(o, "pipeline.name")).join(", ");
    return [issueAt(s, "pipeline.name", `pipeline "${s.name}" is also defined at ${where}`, "pipeline names must be unique")];
  });
}

// Cron inputs create their own repos, so reading one (from any pipeline) is fine.
function unknownRepos(specs: PipelineSpec[], existingRepos: string[]): SpecIssue[] {
  const known = new Set([...existingRepos, ...specs.map((s) => s.name), ...cronLeaves(specs).map((c) => c.input.repo)]);
  return specs.flatMap((s) =>
    leafInputs(s.input).flatMap(({ input, path }) => {
      if (input.kind !== "pfs" || known.has(input.repo)) return [];
      const hint = didYouMean(input.repo, [...known].sort()) ??
        `create it with "calf create repo ${input.repo}", or add a pipeline named "${input.repo}"`;
      return [issueAt(s, `${path}.repo`, `repo "${input.repo}" does not exist`, hint)];
    })
  );
}

function cronRepoClashes(specs: PipelineSpec[]): SpecIssue[] {
  const crons = cronLeaves(specs);
  const pipelines = new Set(specs.map((s) => s.name));
  return crons.flatMap(({ spec, input, path }) => {
    const at = `${path}.repo`;
    const hint = "set repo: to another name";
    if (pipelines.has(input.repo)) {
      return [issueAt(spec, at, `cron repo "${input.repo}" is also the output repo of pipeline "${input.repo}"`, hint)];
    }
    const others = crons.filter((o) => o.input.repo === input.repo && !(o.spec === spec && o.path === path));
    if (others.length === 0) return [];
    const where = others.map((o) => whereIs(o.spec, `${o.path}.repo`)).join(", ");
    return [issueAt(spec, at, `cron repo "${input.repo}" is also written by the cron input at ${where}`, hint)];
  });
}

function cycles(specs: PipelineSpec[]): SpecIssue[] {
  const byName = new Map<string, PipelineSpec>();
  for (const s of specs) if (!byName.has(s.name)) byName.set(s.name, s);
  return findCycles(specs).map((cycle) => {
    const spec = byName.get(cycle[0])!;
    const upstream = cycle[cycle.length - 2];
    const leaf = leafInputs(spec.input).find((l) => l.input.kind === "pfs" && l.input.repo === upstream)!;
    const hint = "a pipeline must not read its own output, directly or through other pipelines";
    return issueAt(spec, `${leaf.path}.repo`, `cycle: ${cycle.join(" -> ")}`, hint);
  });
}

function cronLeaves(specs: PipelineSpec[]): { spec: PipelineSpec; input: CronInput; path: string }[] {
  return specs.flatMap((spec) =>
    leafInputs(spec.input).flatMap((l) => (l.input.kind === "cron" ? [{ spec, input: l.input, path: l.path }] : []))
  );
}
