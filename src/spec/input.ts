// The `input:` tree of a spec (SPEC §3): pfs, cross, union, join, group, cron,
// read from YAML nodes with defaults filled and Pachyderm's input-name rules.
// Pure; no I/O.

import { invalidGlobReason } from "../plan/glob.ts";
import { parseSchedule } from "../cron/schedule.ts";
import type { Field, Reader } from "./_read.ts";
import { inputNameProblem, simpleNameProblem, type NameProblem } from "./names.ts";
import { checkForeign, CRON_FOREIGN, INPUT_FOREIGN, names, PFS_FOREIGN } from "./pachyderm.ts";
import { parseRfc3339 } from "./rfc3339.ts";
import type { CompositeInput, CronInput, Input, PfsInput } from "./types.ts";

const KINDS = ["pfs", "cross", "union", "join", "group", "cron"] as const;
const PFS_FIELDS = ["repo", "glob", "name", "branch", "join_on", "group_by", "outer_join", "empty_files", "reference"];
const CRON_FIELDS = ["name", "spec", "repo", "start", "overwrite", "catch_up"];

/** Where an input stands: directly in a join (needs join_on), anywhere under a group (needs group_by). */
interface Place {
  inJoin: boolean;
  underGroup: boolean;
}
const TOP: Place = { inJoin: false, underGroup: false };

/** The input at `f`; `pipeline` names the default cron repo (`<pipeline>_<name>`). */
export function readInput(r: Reader, f: Field, pipeline: string): Input | undefined {
  const input = readOne(r, f, pipeline, TOP);
  if (input !== undefined) checkNames(r, input, f.path, new Map());
  return input;
}

function readOne(r: Reader, f: Field, pipeline: string, place: Place): Input | undefined {
  const before = r.issues.length;
  const kinds = r.fields(f, [...KINDS, ...names(INPUT_FOREIGN)], KINDS);
  if (kinds === undefined) return undefined;
  const foreignIssues = r.issues.length;
  checkForeign(r, kinds, INPUT_FOREIGN);
  if (r.issues.length > foreignIssues) return undefined;
  const found = [...kinds.keys()];
  if (found.length !== 1) {
    if (found.length === 0 && r.issues.length > before) return undefined; // an unknown kind was reported
    const got = found.length === 0 ? "none" : found.map((k) => `"${k}"`).join(" and ");
    return r.fail(f.at, f.path, `expected exactly one of ${KINDS.join(", ")}, got ${got}`,
      found.length > 1 ? "combine several inputs with cross, union, join or group" : undefined);
  }
  const kind = found[0] as (typeof KINDS)[number];
  const v = kinds.get(kind)!;
  // A join pairs single files by key; a group takes any input (Pachyderm 2.x).
  if (place.inJoin && kind !== "pfs") return r.fail(f.at, f.path, `join members must be pfs inputs, got ${kind}`, "a group may hold any input; a join only pfs inputs with join_on");
  if (kind === "pfs") return readPfs(r, v, place);
  if (kind === "cron") return readCron(r, v, pipeline);
  return readComposite(r, kind, v, pipeline, place);
}

function readComposite(r: Reader, kind: CompositeInput["kind"], v: Field, pipeline: string, place: Place): Input | undefined {
  const items = r.list(v);
  if (items === undefined) return undefined;
  if (items.length === 0) return r.fail(v.at, v.path, "must list at least one input");
  const inner: Place = { inJoin: kind === "join", underGroup: place.underGroup || kind === "group" };
  const inputs = items.map((item) => readOne(r, item, pipeline, inner));
  return inputs.every((i) => i !== undefined) ? { kind, inputs: inputs as Input[] } : undefined;
}

function readPfs(r: Reader, v: Field, place: Place): PfsInput | undefined {
  const p = r.fields(v, [...PFS_FIELDS, ...names(PFS_FOREIGN)], PFS_FIELDS);
  if (p === undefined) return undefined;
  checkForeign(r, p, PFS_FOREIGN);
  const repoF = r.need(p, "repo", v, "the repo to read, e.g. repo: images");
  const repo = repoF && named(r, repoF, (s) => simpleNameProblem(s, "repo name"));
  const globF = r.need(p, "glob", v, 'e.g. glob: "/*" (one datum per top-level file or folder)');
  const glob = globF && readGlob(r, globF);
  const nameF = p.get("name") ?? repoF;
  const name = nameF && repo !== undefined ? named(r, nameF, (s) => inputNameProblem(s)) : undefined;
  const branchF = p.get("branch");
  const branch = branchF === undefined ? "master" : named(r, branchF, (s) => simpleNameProblem(s, "branch name"));
  if (place.inJoin) r.need(p, "join_on", v, 'every join member needs join_on, e.g. join_on: "$1"');
  if (place.underGroup) r.need(p, "group_by", v, 'every pfs input in a group needs group_by, e.g. group_by: "$1"');
  const joinOn = p.has("join_on") ? r.string(p.get("join_on")!) : undefined;
  const groupBy = p.has("group_by") ? r.string(p.get("group_by")!) : undefined;
  const flag = (k: string) => (p.has(k) ? r.boolean(p.get(k)!) : false);
  const [outerJoin, emptyFiles, reference] = [flag("outer_join"), flag("empty_files"), flag("reference")];
  if (repo === undefined || glob === undefined || name === undefined || branch === undefined) return undefined;
  if (outerJoin === undefined || emptyFiles === undefined || reference === undefined) return undefined;
  return {
    kind: "pfs", name, repo, glob, branch,
    ...(joinOn === undefined ? {} : { joinOn }),
    ...(groupBy === undefined ? {} : { groupBy }),
    outerJoin, emptyFiles, reference,
  };
}

function readCron(r: Reader, v: Field, pipeline: string): CronInput | undefined {
  const c = r.fields(v, [...CRON_FIELDS, ...names(CRON_FOREIGN)], CRON_FIELDS);
  if (c === undefined) return undefined;
  checkForeign(r, c, CRON_FOREIGN);
  const nameF = r.need(c, "name", v, "e.g. name: tick");
  const name = nameF && named(r, nameF, (s) => inputNameProblem(s));
  const specF = r.need(c, "spec", v, 'e.g. spec: "@every 30s" or spec: "*/5 * * * *"');
  const spec = specF && r.string(specF);
  if (specF !== undefined && spec !== undefined) {
    try {
      parseSchedule(spec);
    } catch (e) {
      r.fail(specF.at, specF.path, (e as Error).message);
    }
  }
  const repoF = c.get("repo");
  const repo = repoF === undefined ? `${pipeline}_${name}` : named(r, repoF, (s) => simpleNameProblem(s, "repo name"));
  const startF = c.get("start");
  const start = startF && r.string(startF);
  if (startF !== undefined && start !== undefined && parseRfc3339(start) === undefined) {
    r.fail(startF.at, startF.path, `"${start}" is not an RFC 3339 time`, 'e.g. start: "2026-01-02T03:04:05Z"');
  }
  const overwrite = c.has("overwrite") ? r.boolean(c.get("overwrite")!) : false;
  // calf: how many missed ticks one start catches up at most (the newest ones; default DEFAULT_CATCH_UP).
  const catchUp = c.has("catch_up") ? r.integer(c.get("catch_up")!, 1) : undefined;
  if (name === undefined || spec === undefined || repo === undefined || overwrite === undefined) return undefined;
  if (startF !== undefined && (start === undefined || parseRfc3339(start) === undefined)) return undefined;
  if (c.has("catch_up") && catchUp === undefined) return undefined;
  return { kind: "cron", name, spec, repo, ...(start === undefined ? {} : { start }), overwrite, ...(catchUp === undefined ? {} : { catchUp }) };
}

// The planner's own parser decides: lint and datum cutting cannot disagree.
function readGlob(r: Reader, f: Field): string | undefined {
  const glob = r.string(f);
  if (glob === undefined) return undefined;
  if (glob === "") return r.fail(f.at, f.path, "must not be empty", 'e.g. glob: "/*"');
  const why = invalidGlobReason(glob);
  return why === null ? glob : r.fail(f.at, f.path, `invalid glob "${glob}": ${why}`);
}

function named(r: Reader, f: Field, problem: (s: string) => NameProblem | undefined): string | undefined {
  const s = r.string(f);
  const p = s === undefined ? undefined : problem(s);
  return p === undefined ? s : r.fail(f.at, f.path, p[0], p[1]);
}

// Pachyderm's rule: names are unique across the whole input, except that the
// members of one union may share a name (a datum only ever holds one of them).
function checkNames(r: Reader, input: Input, path: string, seen: Map<string, string>): void {
  if (input.kind === "pfs" || input.kind === "cron") {
    const namePath = `${path}.${input.kind}.name`;
    const first = seen.get(input.name);
    if (first === undefined) {
      seen.set(input.name, namePath);
      return;
    }
    // A pfs input's name defaults to its repo: point there when no name was written.
    const at = namePath in r.positions ? namePath : `${path}.${input.kind}.repo`;
    const hint = "give one of them another name with name:";
    r.failAt(namePath, `input name "${input.name}" is used twice (also at ${first})`, hint, at);
    return;
  }
  const merged = new Map(seen);
  input.inputs.forEach((member, i) => {
    const scope = input.kind === "union" ? new Map(seen) : seen;
    checkNames(r, member, `${path}.${input.kind}[${i}]`, scope);
    if (input.kind === "union") for (const [k, v] of scope) if (!merged.has(k)) merged.set(k, v);
  });
  if (input.kind === "union") for (const [k, v] of merged) seen.set(k, v);
}
