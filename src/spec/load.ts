// Reading a pipelines folder: every *.yaml, *.yml and *.json directly in it (or the
// files named), parsed, validated and cross-checked, with ALL issues at once.
// The spec layer's only I/O; uses node:fs, which Bun and Deno both provide.

import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { validateSet } from "./crosscheck.ts";
import { formatIssue, sortIssues } from "./format.ts";
import { issueAt } from "./locate.ts";
import { MAX_SPEC_BYTES, parseSpecText } from "./parse.ts";
import { declaredRepo, folderRepoClashes, isRepoDoc, repoIssueAt, validateRepoDoc } from "./repodoc.ts";
import type { FolderRepo, PipelineSpec, SpecIssue } from "./types.ts";
import { declaredName, validateDoc } from "./validate.ts";

export const SPEC_FILE = /\.(ya?ml|json)$/;

export interface LoadResult {
  /** Every document that passed its own schema; any issue at all means the set must not be used. */
  specs: PipelineSpec[];
  /** Folder-backed repos declared by `repo:` documents (of the named files, when files are named). */
  repos: FolderRepo[];
  issues: SpecIssue[];
  /** Not errors, as `file:line:col: field.path: message` lines, e.g. `transform.image` is ignored. */
  notices: string[];
  /** The same notices, located (lint -o json). */
  warnings: SpecIssue[];
}

/**
 * Load `dir`, or only `opts.files` (paths as the user gave them): the folder's other
 * specs then still count as known pipelines, but only the named files' issues are reported.
 */
export async function loadFolder(dir: string, opts: { existingRepos: string[]; files?: string[] }): Promise<LoadResult> {
  const issues: SpecIssue[] = [];
  const listed = await listSpecFiles(dir);
  const targets = opts.files ?? listed.files;
  if (opts.files === undefined && listed.issue !== undefined) issues.push(listed.issue);
  const loaded: Loaded = { specs: [], repos: [], invalidNames: [], notices: [] };
  for (const file of targets) await loadFile(file, issues, loaded);
  for (const spec of loaded.specs) issues.push(...(await missingDeps(spec)));
  for (const repo of loaded.repos) issues.push(...(await missingSource(repo)));
  const { specs, repos } = loaded;

  const context: Loaded = { specs: [], repos: [], invalidNames: [], notices: [] };
  if (opts.files !== undefined) {
    const named = new Set(opts.files.map((f) => resolve(f)));
    for (const file of listed.files.filter((f) => !named.has(resolve(f)))) await loadFile(file, [], context);
  }
  // A spec with errors of its own still names an output repo: readers of it should not also fail.
  const allRepos = [...repos, ...context.repos];
  const known = [...opts.existingRepos, ...loaded.invalidNames, ...context.invalidNames, ...allRepos.map((r) => r.name)];
  const shown = new Set(targets);
  const allSpecs = [...specs, ...context.specs];
  const setIssues = [...validateSet(allSpecs, known), ...folderRepoClashes(allRepos, allSpecs)].filter((i) => shown.has(i.file));
  const warnings = sortIssues(loaded.notices);
  return { specs, repos, issues: sortIssues([...issues, ...setIssues]), notices: warnings.map(formatIssue), warnings };
}

async function listSpecFiles(dir: string): Promise<{ files: string[]; issue?: SpecIssue }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === "ENOENT" ? `pipelines folder "${dir}" does not exist`
      : code === "ENOTDIR" ? `"${dir}" is not a folder` : `cannot read folder "${dir}": ${(e as Error).message}`;
    const hint = "create it, or point --pipelines (or CALF_PIPELINES) at your specs";
    return { files: [], issue: { file: dir, line: 0, col: 0, path: "", message, hint } };
  }
  const files: string[] = [];
  for (const name of names.filter((n) => SPEC_FILE.test(n)).sort()) {
    const path = join(dir, name);
    if ((await stat(path).catch(() => undefined))?.isFile()) files.push(path);
  }
  return { files };
}

interface Loaded {
  specs: PipelineSpec[];
  repos: FolderRepo[];
  invalidNames: string[]; // pipeline (and repo) names declared by documents that failed validation
  notices: SpecIssue[]; // Pachyderm fields accepted and ignored
}

async function loadFile(file: string, issues: SpecIssue[], into: Loaded): Promise<void> {
  const fail = (message: string, hint?: string) => {
    issues.push({ file, line: 0, col: 0, path: "", message, ...(hint === undefined ? {} : { hint }) });
  };
  const info = await stat(file).catch(() => undefined);
  if (info === undefined) return fail("file does not exist");
  if (!info.isFile()) return fail("not a file");
  if (info.size > MAX_SPEC_BYTES) return fail(`file is larger than ${MAX_SPEC_BYTES} bytes`, "split it into several spec files");
  const parsed = parseSpecText(file, await readFile(file, "utf8"));
  issues.push(...parsed.issues);
  for (const doc of parsed.docs) {
    if (isRepoDoc(doc)) {
      const { repo, issues: docIssues } = validateRepoDoc(doc, resolve(file));
      issues.push(...docIssues);
      if (repo) into.repos.push(repo);
      else if (declaredRepo(doc) !== undefined) into.invalidNames.push(declaredRepo(doc)!);
      continue;
    }
    const { spec, issues: docIssues, notices } = validateDoc(doc, resolve(file));
    issues.push(...docIssues);
    into.notices.push(...notices);
    if (spec !== undefined) into.specs.push(spec);
    else {
      const name = declaredName(doc);
      if (name !== undefined) into.invalidNames.push(name);
    }
  }
}

/** A folder-backed repo's source must be a folder that exists (it is only read). */
async function missingSource(repo: FolderRepo): Promise<SpecIssue[]> {
  const info = await stat(repo.folder).catch((e: NodeJS.ErrnoException) => e);
  if (info instanceof Error) {
    const why = info.code === "ENOENT" ? "does not exist" : `cannot be read (${info.code ?? info.message})`;
    return [repoIssueAt(repo, "repo.source", `folder "${repo.folder}" ${why}`, `create it, or fix the path: it is relative to ${dirname(repo.file)}`)];
  }
  if (!info.isDirectory()) return [repoIssueAt(repo, "repo.source", `"${repo.folder}" is not a folder`, "a folder-backed repo mirrors a folder: name one")];
  return [];
}

// A dep ending in "/" names a folder (its whole subtree); any other dep may be a file or a folder.
async function missingDeps(spec: PipelineSpec): Promise<SpecIssue[]> {
  const out: SpecIssue[] = [];
  const base = dirname(spec.file);
  for (const [i, dep] of spec.transform.deps.entries()) {
    // stat("file/") fails with ENOTDIR, so look the path up without its slash.
    const info = await stat(join(base, dep.replace(/\/+$/, ""))).catch(() => undefined);
    const path = `transform.deps[${i}]`;
    if (info === undefined) out.push(issueAt(spec, path, `"${dep}" does not exist`, `deps are relative to ${base}`));
    else if (dep.endsWith("/") && !info.isDirectory()) {
      out.push(issueAt(spec, path, `"${dep}" is not a folder`, "drop the trailing / to name a file"));
    }
  }
  return out;
}
