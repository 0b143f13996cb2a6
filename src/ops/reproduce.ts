// A datum of a past job set up again by hand (`calf datum run`): its inputs
// copied into a fresh folder's /pfs as the job saw them (the datum re-cut
// from the job's input commits by the planner, so join and group keys come
// back too), its environment, and a worker slot of the kind the runner
// would use (sandboxed where bwrap works). Nothing here writes to the
// database or the object store: outputs stay in the folder.
import * as fs from "node:fs";
import * as path from "node:path";
import type { App } from "../app.ts";
import type { DatumRow, JobRow } from "../db/queries/jobs.ts";
import { planDatums } from "../plan/datums.ts";
import { leaves } from "../plan/input.ts";
import type { DatumInput } from "../plan/types.ts";
import { newId } from "../repo/repos.ts";
import { loadListings, type LeafHead } from "../run/inputs.ts";
import { sandboxFor } from "../run/scheduler.ts";
import type { PipelineSpec } from "../spec/types.ts";
import { transformEnv } from "../transform/env.ts";
import { openSlot } from "../transform/launch.ts";
import { materialize } from "../transform/materialize.ts";
import { bwrapArgv, shQuote, type SandboxPlan } from "../transform/sandbox.ts";
import type { Slot } from "../transform/slot.ts";

export interface Reproduction {
  /** The folder holding everything (`pfs/` with the inputs and `out/`). */
  dir: string;
  slot: Slot;
  plan: SandboxPlan | null;
  /** The transform's argv, stdin and environment, exactly as the runner would start it in this slot. */
  argv: string[];
  stdin?: string;
  env: Record<string, string>;
  cwd: string;
  /** Inputs as the job saw them (re-cut), or rebuilt from the job's datum row when the spec's input changed since. */
  inputs: DatumInput[];
  recut: boolean;
}

/** The datum's inputs re-cut from the job's input commits with the pipeline's input spec; null when that spec no longer cuts it. */
async function recut(app: App, spec: PipelineSpec, job: JobRow, id: string): Promise<DatumInput[] | null> {
  const heads: LeafHead[] = [];
  for (const l of leaves(spec.input)) {
    const read = job.inputCommits.find((c) => c.repo === l.repo);
    const c = read ? await app.repos.getCommit(read.commit) : null;
    heads.push({ ...l, commit: c?.id ?? null, tree: c?.tree ?? null, size: c?.sizeBytes ?? 0 });
  }
  if (!spec.input) return null;
  const datums = planDatums(spec.input, await loadListings(app.repos, heads), (s) => app.rt.sha256(s));
  return datums.find((d) => d.id === id)?.inputs ?? null;
}

/** The inputs as the job's datum row names them (sizes looked up; no join/group keys). */
async function fromRow(app: App, d: DatumRow): Promise<DatumInput[]> {
  const out: DatumInput[] = [];
  for (const i of d.inputs) {
    const c = await app.repos.getCommit(i.commit);
    const e = c ? await app.repos.lookup(c, i.path) : null;
    out.push({ name: i.name, repo: i.repo, branch: i.branch, commit: i.commit, path: i.path, type: i.type === "dir" ? "dir" : "file", hash: i.hash, size: e?.size ?? 0, reference: false, emptyFiles: false });
  }
  return out;
}

/** Copies the datum's inputs under `dir`/pfs and opens a slot there. Close it with `close()`. */
export async function prepare(app: App, spec: PipelineSpec, job: JobRow, d: DatumRow, dir: string): Promise<Reproduction> {
  const cut = await recut(app, spec, job, d.id);
  const inputs = cut ?? (await fromRow(app, d));
  const plan = await sandboxFor(app, [path.dirname(app.settings.pipelinesDir), spec.transform.workingDir]);
  const slot = openSlot(app.rt, plan, dir);
  const scratch = path.join(dir, "scratch");
  fs.mkdirSync(scratch, { recursive: true });
  // Copies, never binds: the folder is there to be looked at from outside too.
  await materialize({ store: app.store, loader: app.repos.trees, inputs, mode: "copy", pfsDir: slot.pfsDir, scratch });
  const env = transformEnv({
    base: app.host.env, transformEnv: spec.transform.env, pfsRoot: slot.pfsRoot, inputs,
    pipeline: spec.name, jobId: job.id, datumId: d.id, outputCommit: job.outputCommit ?? newId(),
  });
  // The host's TMPDIR means nothing inside a sandbox, whose /tmp is its own.
  if (slot.sandboxed) env.TMPDIR = "/tmp";
  const t = spec.transform;
  return {
    dir, slot, plan, env, cwd: t.workingDir, inputs, recut: cut !== null,
    argv: t.cmd.map((a) => slot.fix(a)), stdin: t.stdin ? t.stdin.map((s) => slot.fix(s)).join("\n") + "\n" : undefined,
  };
}

/**
 * argv and environment of an interactive `shell` in the datum's world: in a
 * sandbox like the slot's (the inputs read-only at /pfs, /pfs/out writable),
 * or on the host with PFS_ROOT pointing at the folder. `CALF_TRANSFORM` holds
 * the transform's command line, to run it with `eval "$CALF_TRANSFORM"`.
 */
export function shellCommand(r: Reproduction, shell: string): { argv: string[]; env: Record<string, string> } {
  let stdinAt: string | undefined;
  if (r.stdin !== undefined) {
    stdinAt = path.join(r.dir, "stdin");
    fs.writeFileSync(stdinAt, r.stdin);
  }
  const inBox = r.slot.sandboxed && r.plan !== null;
  const shownStdin = stdinAt && (inBox ? "/.calf/stdin" : stdinAt);
  const env = { ...r.env, CALF_TRANSFORM: r.argv.map(shQuote).join(" ") + (shownStdin ? ` < ${shQuote(shownStdin)}` : "") };
  if (!inBox) return { argv: [shell], env };
  const binds = fs.readdirSync(r.slot.pfsDir).filter((n) => n !== "out").map((n) => ({ src: path.join(r.slot.pfsDir, n), dest: `/pfs/${n}` }));
  if (stdinAt) binds.push({ src: stdinAt, dest: "/.calf/stdin" });
  return { argv: bwrapArgv({ plan: r.plan!, inputs: binds, outDir: r.slot.outDir, cwd: r.cwd, argv: [shell] }), env: { ...env, PATH: r.env.PATH ?? r.plan!.path } };
}

/** Every file the transform wrote under /pfs/out: path (from /pfs/out) and size, in path order. */
export function outputFiles(outDir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  const visit = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p, `${rel}/${e.name}`);
      else out.push({ path: `${rel}/${e.name}`, size: fs.lstatSync(p).size });
    }
  };
  visit(outDir, "");
  return out;
}
