// Folder-backed repo documents (calf extension, SPEC §3): `repo: {name: books,
// source: data/books}` in a spec file, the source relative to that file's
// folder. The document schema, and the checks against the rest of the folder
// (duplicates, a pipeline's or a cron input's repo of the same name).
// Pure; no I/O: load.ts checks that the folder exists.

import { isMap } from "yaml";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { Reader } from "./_read.ts";
import { posFor } from "./locate.ts";
import { simpleNameProblem } from "./names.ts";
import type { RawDoc } from "./parse.ts";
import type { FolderRepo, PipelineSpec, SpecIssue } from "./types.ts";
import { leaves } from "../plan/input.ts";

const REPO_FIELDS = ["name", "source", "description"];

/** A document whose top level is `repo:` (and not a pipeline's). */
export function isRepoDoc(raw: RawDoc): boolean {
  const c = raw.doc.contents;
  return isMap(c) && c.has("repo") && !c.has("pipeline");
}

/** The repo name a repo document declares, valid or not. */
export function declaredRepo(raw: RawDoc): string | undefined {
  const name = raw.doc.getIn(["repo", "name"]);
  return typeof name === "string" ? name : undefined;
}

/** `file` is the spec file's absolute path; `source` is resolved against its folder. */
export function validateRepoDoc(raw: RawDoc, file: string): { repo?: FolderRepo; issues: SpecIssue[] } {
  const r = new Reader(raw);
  const root = r.root();
  const top = r.fields(root, ["repo"]);
  const rf = top && r.need(top, "repo", root);
  const f = rf && r.fields(rf, REPO_FIELDS);
  if (!f) return { issues: r.issues };
  const example = "e.g. repo: {name: books, source: data/books}";
  const nf = r.need(f, "name", rf!, example);
  const name = nf && r.string(nf);
  const problem = name === undefined ? undefined : simpleNameProblem(name, "repo name");
  if (problem) r.fail(nf!.at, nf!.path, ...problem);
  const sf = r.need(f, "source", rf!, `${example}: a folder, relative to this file's folder`);
  const source = sf && r.string(sf);
  if (source === "") r.fail(sf!.at, sf!.path, "is empty", `name a folder, relative to ${dirname(file)}`);
  const df = f.get("description");
  const description = df === undefined ? "" : r.string(df);
  if (r.issues.length) return { issues: r.issues };
  const folder = normalize(isAbsolute(source!) ? source! : join(dirname(file), source!)).replace(/(.)\/+$/, "$1");
  return {
    repo: { name: name!, folder, description: description!, file, at: { file: raw.file, doc: raw.index, positions: r.positions } },
    issues: [],
  };
}

export function repoIssueAt(repo: FolderRepo, path: string, message: string, hint?: string): SpecIssue {
  const { line, col } = posFor(repo.at.positions, path);
  return { file: repo.at.file, line, col, path, message, ...(hint === undefined ? {} : { hint }) };
}

/** A folder repo declared twice, or named like a pipeline's output repo or a cron input's repo. */
export function folderRepoClashes(repos: FolderRepo[], specs: PipelineSpec[]): SpecIssue[] {
  const hint = "a folder-backed repo needs a name of its own";
  return repos.flatMap((repo, i) => {
    const where = (o: FolderRepo) => {
      const { line } = posFor(o.at.positions, "repo.name");
      return line ? `${o.at.file}:${line}` : o.at.file;
    };
    const twice = repos.filter((o, j) => j !== i && o.name === repo.name);
    if (twice.length) return [repoIssueAt(repo, "repo.name", `repo "${repo.name}" is also declared at ${twice.map(where).join(", ")}`, hint)];
    if (specs.some((s) => s.name === repo.name)) {
      return [repoIssueAt(repo, "repo.name", `repo "${repo.name}" is also the output repo of pipeline "${repo.name}"`, hint)];
    }
    const cron = specs.find((s) => leaves(s.input).some((l) => l.cron && l.repo === repo.name));
    if (cron) return [repoIssueAt(repo, "repo.name", `repo "${repo.name}" is also the repo of a cron input of pipeline "${cron.name}"`, hint)];
    return [];
  });
}
