// Pipelines, jobs, datums and logs (SPEC §7), as §2.3 JSON. A running job's
// counts are the database's (written at least once a second).
import { Hono } from "hono";
import type { App } from "../../app.ts";
import { getJob, listDatums, listJobs, type JobState } from "../../db/queries/jobs.ts";
import { getPipeline } from "../../db/queries/pipelines.ts";
import { notFound, usageError } from "../../errors.ts";
import { datumJson, jobJson } from "../../shapes.ts";
import { specJson } from "../../spec/json.ts";
import { pipelineViews } from "../../status.ts";
import { listLogFiles, SPOUT_JOB, tailLines, type TaggedLine } from "../../transform/logfiles.ts";
import type { Metrics } from "../metrics.ts";
import { limitOf, linkNext, pageOf } from "../paging.ts";

const JOB_STATES: JobState[] = ["created", "running", "success", "failure", "killed", "unrunnable"];
const DATUM_STATES = ["success", "skipped", "failed", "recovered"];
/** The most log lines one request gets (`?tail=` above it gets this many). */
const MAX_TAIL = 10_000;

export function jobRoutes(app: App, metrics: Metrics, relative: (file: string) => string): Hono {
  const r = new Hono();
  const job = async (id: string) => (await getJob(app.db, id)) ?? Promise.reject(notFound(`job "${id}" does not exist`));
  const pipelines = async () =>
    (await pipelineViews(app)).map((p) => {
      const s = metrics.spouts.get(p.name);
      return {
        ...p, spec_file: relative(p.spec_file),
        ...(p.spout && s ? { spout: { ...p.spout, archives: s.archives, rejected_archives: s.rejected, restarts: s.restarts } } : {}),
      };
    });

  r.get("/pipelines", async (c) => {
    const limit = limitOf(c);
    const page = pageOf(await pipelines(), (p) => p.name, limit, c.req.query("after"));
    linkNext(c, page, limit, (p) => p.name);
    return c.json(page);
  });

  r.get("/pipelines/:name", async (c) => {
    const name = c.req.param("name");
    const view = (await pipelines()).find((p) => p.name === name);
    const row = await getPipeline(app.db, name);
    if (!view || !row) throw notFound(`pipeline "${name}" does not exist`);
    return c.json({ ...view, spec: specJson(row.spec) });
  });

  r.get("/jobs", async (c) => {
    const state = c.req.query("state");
    if (state !== undefined && !JOB_STATES.includes(state as JobState)) throw usageError(`state must be one of ${JOB_STATES.join(", ")}, got "${state}"`);
    const pipeline = c.req.query("pipeline");
    if (pipeline !== undefined && !(await getPipeline(app.db, pipeline))) throw notFound(`pipeline "${pipeline}" does not exist`);
    const limit = limitOf(c);
    const page = await listJobs(app.db, { pipeline, limit, states: state ? [state as JobState] : undefined, after: c.req.query("after") });
    linkNext(c, page, limit, (j) => j.id);
    return c.json(page.map(jobJson));
  });

  r.get("/jobs/:id", async (c) => c.json(jobJson(await job(c.req.param("id")))));

  r.get("/jobs/:id/datums", async (c) => {
    const j = await job(c.req.param("id"));
    const state = c.req.query("state");
    if (state !== undefined && !DATUM_STATES.includes(state)) throw usageError(`state must be one of ${DATUM_STATES.join(", ")}, got "${state}"`);
    const limit = limitOf(c);
    const all = (await listDatums(app.db, j.id)).filter((d) => !state || d.state === state);
    const page = pageOf(all, (d) => d.id, limit, c.req.query("after"));
    linkNext(c, page, limit, (d) => d.id);
    return c.json(page.map(datumJson));
  });

  r.get("/logs", async (c) => {
    const pipeline = c.req.query("pipeline");
    if (pipeline !== undefined && !(await getPipeline(app.db, pipeline))) throw notFound(`pipeline "${pipeline}" does not exist`);
    const jobArg = c.req.query("job");
    const j = jobArg === undefined ? undefined : await job(jobArg);
    const datum = c.req.query("datum");
    const tail = Number(c.req.query("tail") ?? 1000);
    if (!Number.isInteger(tail) || tail < 1) throw usageError(`tail must be a whole number above 0, got "${c.req.query("tail")}"`);
    const keep = Math.min(tail, MAX_TAIL);
    const lines: TaggedLine[] = [];
    for (const f of listLogFiles(app.settings.dataDir, { pipeline: pipeline ?? j?.pipeline, job: j?.id, datum: datum === "spout" ? undefined : datum })) {
      if (datum === "spout" && f.job !== SPOUT_JOB) continue;
      // Each file's tail only (a transform's log may be gigabytes), copied in a loop: no
      // push(...all), a worker's log may hold a million lines, more arguments than a call takes.
      for (const l of tailLines(f, keep)) lines.push(l);
      if (lines.length > keep * 4) lines.splice(0, lines.length - keep);
    }
    return c.json(lines.slice(-keep).map((l) => ({
      time: l.time || null, pipeline: l.pipeline, job: l.job === SPOUT_JOB ? null : l.job, datum: l.job === SPOUT_JOB ? null : l.datum,
      attempt: l.attempt, stream: l.stream, text: l.text,
    })));
  });
  return r;
}
