// calf logs (SPEC §2.2): transform and spout lines as they were written,
// tagged with pipeline, job, datum, attempt and stream; -f follows them.
import { datumIdKnown } from "../db/queries/datums.ts";
import { listJobs } from "../db/queries/jobs.ts";
import { notFound } from "../errors.ts";
import { int, str, bool } from "./args.ts";
import type { Command } from "./command.ts";
import { requireDatum, requireJob } from "./jobs.ts";
import { printable, short } from "./output.ts";
import { listLogFiles, readLines, SPOUT_JOB, type TaggedLine } from "../transform/logfiles.ts";
import { requirePipeline } from "./pipelines.ts";

export const logCommands: Command[] = [
  {
    words: ["logs"], usage: "logs [-p PIPELINE] [--job ID] [--datum ID] [-f] [--tail N]",
    summary: "transform stdout/stderr, each line tagged with job and datum",
    flags: { pipeline: "string", job: "string", datum: "string", follow: "bool", tail: "string" },
    aliases: { "-p": "pipeline", "-f": "follow" },
    flagHelp: {
      pipeline: "PIPELINE: only this pipeline's logs",
      job: "ID: only this job's logs (id or unique prefix)",
      datum: "ID: only this datum's logs (id or prefix; spout for a spout's)",
      follow: "keep printing new lines as they are written (Ctrl-C to stop)",
      tail: "N: only the last N lines",
    },
    examples: ["calf logs -p edges --tail 20", "calf logs --job 3fa9c2d1 --datum 8be0f1a2", "calf logs -p feed -f"],
    maxArgs: 0, mode: "read",
    async run(app, p) {
      const follow = bool(p.flags, "follow");
      const tail = int(p.flags, "tail");
      const pipeline = str(p.flags, "pipeline");
      const jobArg = str(p.flags, "job");
      const datum = str(p.flags, "datum");
      if (pipeline) await requirePipeline(app, pipeline);
      const job = jobArg === undefined ? undefined : await requireJob(app, jobArg);
      if (job && pipeline && job.pipeline !== pipeline) throw notFound(`job ${short(job.id)} is a job of pipeline "${job.pipeline}", not "${pipeline}"`);
      if (datum !== undefined && datum !== "spout") {
        if (job) await requireDatum(app, job.id, datum);
        else if (!(await datumIdKnown(app.db, datum, pipeline))) throw notFound(`datum "${datum}" is not part of any job${pipeline ? ` of ${pipeline}` : ""}`, "list a job's datums with: calf list datum JOB");
      }
      const jobOrder = new Map((await listJobs(app.db, { pipeline })).map((j, i, all) => [j.id, all.length - i]));
      const seen = new Map<string, number>();
      for (;;) {
        const lines: TaggedLine[] = [];
        for (const f of listLogFiles(app.settings.dataDir, { pipeline, job: job?.id, datum: datum === "spout" ? undefined : datum, jobOrder })) {
          if (datum === "spout" && f.job !== SPOUT_JOB) continue;
          const got = readLines(f, seen.get(f.file) ?? 0);
          seen.set(f.file, got.next);
          for (const l of got.lines) lines.push(l); // not push(...): a worker's log may hold more lines than a call takes arguments
        }
        const shown = tail !== undefined && !follow ? lines.slice(-tail) : lines;
        if (shown.length) app.out.write(shown.map((l) => (app.out.json ? JSON.stringify(lineJson(l)) : logLineText(l))).join("\n") + "\n");
        if (!follow) return 0;
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  },
];

/** "TIME PIPELINE JOB DATUM.ATTEMPT STREAM | text" (a spout's lines: "... spout STREAM | text"). */
function logLineText(l: TaggedLine): string {
  const who = l.job === SPOUT_JOB ? "spout" : `${short(l.job)} ${short(l.datum)}.${l.attempt}`;
  return `${l.time || "-"} ${l.pipeline} ${who} ${l.stream} | ${printable(l.text)}`;
}

function lineJson(l: TaggedLine) {
  return { time: l.time || null, pipeline: l.pipeline, job: l.job === SPOUT_JOB ? null : l.job, datum: l.job === SPOUT_JOB ? null : l.datum, attempt: l.attempt, stream: l.stream, text: l.text };
}
