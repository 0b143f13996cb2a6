// `calf reprocess PIPELINE [--datum ID | --glob G | --failed]`: the next run
// redoes exactly the chosen datums of the pipeline's last job (their cached
// results forgotten, the pipeline made due in the same transaction); every
// other datum is still skipped. A data command: no runner lock, and the
// commit wakes a running runner.
import type { App } from "../app.ts";
import { lastJob, listDatums, type DatumRow, type JobRow } from "../db/queries/jobs.ts";
import { bumpReprocess, setForceDue } from "../db/queries/pipelines.ts";
import { forgetDatums } from "../db/queries/results.ts";
import { notFound, usageError } from "../errors.ts";
import { compileGlob } from "../plan/glob.ts";
import { bool, list } from "./args.ts";
import type { Command } from "./command.ts";
import { printJson, short } from "./output.ts";
import { requirePipeline } from "./pipelines.ts";

/** The chosen datums of `ds`: by id (or unique prefix), by a glob over input paths, or failed; a union of what is given. */
export function chooseDatums(ds: DatumRow[], pick: { ids: string[]; globs: string[]; failed: boolean }, job: JobRow): DatumRow[] {
  const chosen = new Map<string, DatumRow>();
  for (const id of pick.ids) {
    const hits = ds.filter((d) => d.id === id || (/^[0-9a-f]{4,}$/.test(id) && d.id.startsWith(id)));
    if (hits.length !== 1) {
      throw notFound(
        hits.length ? `datum id "${id}" is ambiguous in job ${short(job.id)} (${hits.length} datums start with it)` : `datum "${id}" is not part of job ${short(job.id)}, the last job of ${job.pipeline}`,
        `list its datums with: calf list datum ${short(job.id)}`,
      );
    }
    chosen.set(hits[0]!.id, hits[0]!);
  }
  for (const g of pick.globs) {
    const m = compileGlob(g);
    const hits = ds.filter((d) => d.inputs.some((i) => m.match(i.path) !== null));
    if (!hits.length) {
      throw notFound(`no datum of job ${short(job.id)} has an input path matching "${m.glob}"`, `the datums' input paths are listed by: calf list datum ${short(job.id)}`);
    }
    for (const d of hits) chosen.set(d.id, d);
  }
  if (pick.failed) for (const d of ds) if (d.state === "failed" || d.state === "recovered") chosen.set(d.id, d);
  return [...chosen.values()].sort((a, b) => a.idx - b.idx);
}

async function reprocess(app: App, name: string, pick: { ids: string[]; globs: string[]; failed: boolean }): Promise<number> {
  const p = await requirePipeline(app, name);
  if (p.spec.spout) throw usageError(`pipeline "${name}" is a spout: it has no datums to reprocess`);
  const every = !pick.ids.length && !pick.globs.length && !pick.failed;
  if (every) {
    await bumpReprocess(app.db, p.name);
    if (app.out.json) printJson(app.out, { pipeline: p.name, job: null, all: true, datums: [], forgotten_results: 0 });
    else app.out.info(`the next run of ${p.name} redoes every datum (a new salt, as run --reprocess)`);
    return 0;
  }
  const job = await lastJob(app.db, p.name, ["success", "failure", "killed"]);
  if (!job) throw notFound(`pipeline "${p.name}" has no job yet`, "its first run processes every datum: calf run --once");
  const ds = await listDatums(app.db, job.id);
  const chosen = chooseDatums(ds, pick, job);
  if (!chosen.length) {
    if (app.out.json) printJson(app.out, { pipeline: p.name, job: job.id, all: false, datums: [], forgotten_results: 0 });
    else app.out.info(`job ${short(job.id)} of ${p.name} has no failed datum: nothing to redo`);
    return 0;
  }
  // One transaction: the results forgotten and the pipeline due, or neither.
  const forgotten = await app.db.write(async (tx) => {
    const n = await forgetDatums(tx, p.name, chosen.map((d) => d.id));
    await setForceDue(tx, p.name, true);
    return n;
  });
  if (app.out.json) printJson(app.out, { pipeline: p.name, job: job.id, all: false, datums: chosen.map((d) => d.id), forgotten_results: forgotten });
  else {
    const names = chosen.slice(0, 3).map((d) => `${short(d.id)} (${d.inputs.map((i) => i.path).join(", ")})`);
    const more = chosen.length > 3 ? ` and ${chosen.length - 3} more` : "";
    const rest = ds.length - chosen.length;
    app.out.info(`the next run of ${p.name} redoes ${chosen.length} datum${chosen.length === 1 ? "" : "s"} of job ${short(job.id)}: ${names.join(", ")}${more}; the other ${rest} ${rest === 1 ? "is" : "are"} skipped`);
  }
  return 0;
}

export const reprocessCommands: Command[] = [
  {
    words: ["reprocess"], usage: "reprocess PIPELINE [--datum ID]... [--glob G]... [--failed]",
    summary: "redo chosen datums (or every datum) of a pipeline on its next run",
    details: "Chooses datums of the pipeline's last job and forgets their cached results, so the next run processes them again while every other datum is still skipped; the pipeline becomes due even if its inputs did not change. Flags add up: --datum and --glob may be repeated. Without any flag, every datum is redone (a new salt, as `calf run --reprocess PIPELINE`). Works while a runner runs: it picks the change up at once.",
    flags: { datum: "list", glob: "list", failed: "bool" },
    flagHelp: {
      datum: "ID: the datum with this id (or a unique prefix of at least 4 characters)",
      glob: "G: every datum with an input path matching this glob (Pachyderm glob syntax, as in a spec)",
      failed: "every datum that failed (or was recovered by err_cmd) in the last job",
    },
    examples: [
      "calf reprocess sizes --datum 3b81993cba95 && calf run --once",
      "calf reprocess sizes --glob '/raw/*'  # every datum with an input under /raw",
      "calf reprocess sizes --failed -o json",
      "calf reprocess sizes  # every datum, as calf run --reprocess sizes",
    ],
    minArgs: 1, maxArgs: 1, mode: "write",
    run: (app, p) => reprocess(app, p.args[0]!, { ids: list(p.flags, "datum"), globs: list(p.flags, "glob"), failed: bool(p.flags, "failed") }),
  },
];
