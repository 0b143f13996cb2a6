// Brings the database's pipelines in line with the specs folder (SPEC §1):
// validates the whole folder first (nothing changes on any issue), creates
// output and cron repos, bumps versions, deactivates pipelines whose file is gone.
import * as path from "node:path";
import type { App } from "../app.ts";
import { ensureBranch } from "../db/queries/branches.ts";
import { deactivateMissing, listPipelines, upsertPipeline } from "../db/queries/pipelines.ts";
import { CalfError } from "../errors.ts";
import { formatIssue } from "../spec/format.ts";
import { loadFolder } from "../spec/load.ts";
import type { FolderRepo, PipelineSpec, SpecIssue } from "../spec/types.ts";
import { leaves } from "../plan/input.ts";
import { versionHash } from "./version.ts";

/** Several located spec problems, printed one per line. */
export class SpecErrors extends CalfError {
  readonly issues: SpecIssue[];
  constructor(issues: SpecIssue[], cwd: string) {
    const lines = issues.map((i) => formatIssue({ ...i, file: displayPath(i.file, cwd) }));
    super("invalid", lines.join("\ncalf: "));
    this.issues = issues;
  }
}

export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}

/** Loads and validates the folder; throws SpecErrors listing every issue. */
export async function loadSpecs(app: App, files?: string[]): Promise<{ specs: PipelineSpec[]; notices: string[]; repos: FolderRepo[] }> {
  const existing = await app.repos.repoNames();
  const res = await loadFolder(app.settings.pipelinesDir, { existingRepos: existing, files });
  if (res.issues.length) throw new SpecErrors(res.issues, app.host.cwd);
  return { specs: res.specs, notices: res.notices, repos: res.repos };
}

export async function syncPipelines(app: App): Promise<PipelineSpec[]> {
  return (await syncSpecs(app)).specs;
}

/** syncPipelines(), and the folder-backed repos the folder declares (each created when new). */
export async function syncSpecs(app: App): Promise<{ specs: PipelineSpec[]; folders: FolderRepo[] }> {
  const { specs, notices, repos: folders } = await loadSpecs(app);
  for (const n of notices) app.out.info(`calf: notice: ${n}`);
  const sha256 = (s: string | Uint8Array) => app.rt.sha256(s);
  for (const f of folders) await app.repos.ensureRepo(f.name, "folder", f.description);
  for (const spec of specs) {
    await app.repos.ensureRepo(spec.name, spec.spout ? "spout" : "pipeline", spec.description);
    for (const l of leaves(spec.input)) if (l.cron) await app.repos.ensureRepo(l.repo, "cron");
  }
  const hashes = specs.map((s) => versionHash(s, sha256));
  if (await inSync(app, specs, hashes)) return { specs, folders }; // the common case: no write, no fsync
  const now = app.now().toISOString();
  await app.db.write(async (tx) => {
    for (let i = 0; i < specs.length; i++) {
      await upsertPipeline(tx, specs[i]!, hashes[i]!, now);
      await ensureBranch(tx, specs[i]!.name, specs[i]!.outputBranch);
    }
    await deactivateMissing(tx, specs.map((s) => s.name));
  });
  return { specs, folders };
}

/** True when the database already holds exactly these specs, versions and output branches. */
async function inSync(app: App, specs: PipelineSpec[], hashes: string[]): Promise<boolean> {
  const rows = await listPipelines(app.db);
  const active = rows.filter((r) => r.active);
  if (active.length !== specs.length) return false;
  for (let i = 0; i < specs.length; i++) {
    const row = active.find((r) => r.name === specs[i]!.name);
    if (!row || row.versionHash !== hashes[i] || JSON.stringify(row.spec) !== JSON.stringify(specs[i])) return false;
    if (!(await app.repos.hasBranch(specs[i]!.name, specs[i]!.outputBranch))) return false;
  }
  return true;
}
