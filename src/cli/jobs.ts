// Job, datum, log and wait commands (SPEC §2.1 wait commit, §2.2). Each
// definition carries its help: flag descriptions and examples.
import type { App } from "../app.ts";
import { resultOutputs } from "../db/queries/datums.ts";
import { getDatum, getJob, listDatums, listJobs, type DatumRow, type JobRow, type JobState } from "../db/queries/jobs.ts";
import { forgetDatum } from "../db/queries/results.ts";
import { failed, notFound, usageError } from "../errors.ts";
import { parseRepoRef } from "../repo/paths.ts";
import { suggest } from "../spec/suggest.ts";
import { waitForCommit, waitForJob } from "../run/wait.ts";
import { int, str } from "./args.ts";
import type { Command } from "./command.ts";
import { datumJson, jobJson } from "../shapes.ts";
import { printFields, printJson, printTable, short } from "./output.ts";
import { listLogFiles, tailLines } from "../transform/logfiles.ts";
import { requirePipeline } from "./pipelines.ts";
import { setForceDue } from "../db/queries/pipelines.ts";

const JOB_STATES: JobState[] = ["created", "running", "success", "failure", "killed", "unrunnable"];
const DATUM_STATES: DatumRow["state"][] = ["success", "skipped", "failed", "recovered"];

/** `--state S` checked against the states there are (exit 2 with a did-you-mean). */
function stateFlag<S extends string>(value: string | undefined, states: readonly S[], what: string): S | undefined {
  if (value === undefined) return undefined;
  if ((states as readonly string[]).includes(value)) return value as S;
  // "failed" for a job means "failure" (the datum word): a shared stem counts as close too.
  const close = suggest(value, states) ?? states.find((s) => value.length >= 4 && s.startsWith(value.slice(0, 4)));
  throw usageError(`--state: "${value}" is not a ${what} state`, close ? `did you mean "${close}"?` : `one of: ${states.join(", ")}`);
}

export async function requireJob(app: App, id: string): Promise<JobRow> {
  const j = await getJob(app.db, id);
  if (!j) throw notFound(`job "${id}" does not exist`, "list jobs with: calf list job");
  return j;
}

export async function requireDatum(app: App, job: string, datum: string): Promise<{ j: JobRow; d: DatumRow }> {
  const j = await requireJob(app, job);
  const d = await getDatum(app.db, j.id, datum);
  if (!d) throw notFound(`datum "${datum}" is not part of job ${short(j.id)}`, `list its datums with: calf list datum ${short(j.id)}`);
  return { j, d };
}

const ms = (n: number) => Math.round(n);
const durationOf = (j: JobRow) => (j.finished ? Date.parse(j.finished) - Date.parse(j.started) : null);

export const jobCommands: Command[] = [
  {
    words: ["list", "job"], usage: "list job [-p PIPELINE] [--state S] [-n N]", summary: "jobs, newest first",
    flags: { pipeline: "string", number: "string", state: "string" }, aliases: { "-p": "pipeline", "-n": "number" },
    flagHelp: {
      pipeline: "PIPELINE: only this pipeline's jobs",
      number: "N: show at most N jobs",
      state: `S: only jobs in this state (${JOB_STATES.join(", ")})`,
    },
    examples: ["calf list job", "calf list job -p edges -n 5", "calf list job --state failure -o json"],
    maxArgs: 0, mode: "read",
    async run(app, p) {
      const pipeline = str(p.flags, "pipeline");
      const state = stateFlag(str(p.flags, "state"), JOB_STATES, "job");
      if (pipeline) await requirePipeline(app, pipeline);
      const jobs = await listJobs(app.db, { pipeline, limit: int(p.flags, "number"), states: state ? [state] : undefined });
      if (app.out.json) printJson(app.out, jobs.map(jobJson));
      else {
        // A WORKERS column only when remote workers ran datums of a listed job (serve with `calf worker`s).
        const workers = jobs.some((j) => j.workers && Object.keys(j.workers).length);
        printTable(app.out, ["ID", "PIPELINE", "STATE", "DATUMS (proc/skip/fail/total)", "STARTED", "DURATION", ...(workers ? ["WORKERS"] : [])], jobs.map((j) => [
          short(j.id), j.pipeline, j.state, `${j.processed}/${j.skipped}/${j.failed}/${j.total}`, j.started,
          durationOf(j) === null ? "-" : `${durationOf(j)} ms`,
          ...(workers ? [Object.entries(j.workers ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([w, n]) => `${w}:${n}`).join(" ") || "-"] : []),
        ]));
      }
      return 0;
    },
  },
  {
    words: ["inspect", "job"], usage: "inspect job ID", summary: "one job, with inputs, output, reason and timings",
    details: "ID is a job id or a unique prefix of one (at least 4 characters). Timings are whole milliseconds.",
    flags: {}, examples: ["calf inspect job 3fa9c2d1", "calf inspect job 3fa9c2d1 -o json | jq .stats"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const j = await requireJob(app, p.args[0]!);
      const stats = Object.fromEntries(Object.entries(j.stats).map(([k, v]) => [k, ms(v)]));
      const full = { ...jobJson(j), pipeline_version: j.version, duration_ms: durationOf(j), stats };
      if (app.out.json) printJson(app.out, full);
      else printFields(app.out, [
        ["id", j.id], ["pipeline", j.pipeline], ["state", j.state], ["reason", j.reason], ["started", j.started], ["finished", j.finished],
        ["duration", durationOf(j) === null ? "-" : `${durationOf(j)} ms`],
        ["input commits", j.inputCommits.map((c) => `${c.repo}@${c.commit}`).join(", ")], ["output commit", j.outputCommit],
        ["datums", `${j.total} total, ${j.processed} processed, ${j.skipped} skipped, ${j.failed} failed, ${j.recovered} recovered`],
        ["timings", Object.entries(stats).map(([k, v]) => `${k}=${v}`).join(" ") || "-"],
        ...(Object.keys(j.workers ?? {}).length ? [["workers", Object.entries(j.workers!).sort().map(([w, n]) => `${w}=${n}`).join(" ")] as [string, string]] : []),
      ]);
      return 0;
    },
  },
  {
    words: ["wait", "job"], usage: "wait job ID", summary: "block until the job finishes; exit 1 if it failed",
    flags: {}, examples: ["calf wait job 3fa9c2d1 && echo done"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const j = await waitForJob(app, (await requireJob(app, p.args[0]!)).id);
      app.out.info(`job ${short(j.id)} ${j.state}`);
      return j.state === "success" ? 0 : 1;
    },
  },
  {
    words: ["wait", "commit"], usage: "wait commit REPO@REF", summary: "block until every downstream job of this commit has finished",
    details: "Exit 1 if one of them failed, or when no calf run is going to do that work.",
    flags: {}, examples: ["calf put file images@master:/a.png -f a.png && calf wait commit images@master"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      const c = await app.repos.resolve(r.repo, r.ref);
      const jobs = await waitForCommit(app, c);
      const bad = jobs.filter((j) => j.state !== "success");
      if (bad.length) throw failed(`downstream job${bad.length > 1 ? "s" : ""} failed: ${bad.map((j) => `${j.pipeline} ${short(j.id)} (${j.state})`).join(", ")}`);
      return 0;
    },
  },
  {
    words: ["list", "datum"], usage: "list datum JOB [--state S] [--input PATH]", summary: "datums of a job",
    flags: { state: "string", input: "string" },
    flagHelp: {
      state: `S: only datums in this state (${DATUM_STATES.join(", ")})`,
      input: "PATH: only datums with an input at PATH or under it",
    },
    examples: ["calf list datum 3fa9c2d1", "calf list datum 3fa9c2d1 --state failed", "calf list datum 3fa9c2d1 --input /raw -o json"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const state = stateFlag(str(p.flags, "state"), DATUM_STATES, "datum");
      const input = str(p.flags, "input");
      const under = input === undefined ? undefined : `/${input.replace(/^\/+|\/+$/g, "")}`;
      const j = await requireJob(app, p.args[0]!);
      const ds = (await listDatums(app.db, j.id)).filter((d) =>
        (!state || d.state === state) && (!under || d.inputs.some((i) => under === "/" || i.path === under || i.path.startsWith(`${under}/`))));
      if (app.out.json) printJson(app.out, ds.map(datumJson));
      else {
        const workers = ds.some((d) => d.worker);
        printTable(app.out, ["ID", "STATE", "INPUTS", "DURATION", "TRIES", ...(workers ? ["WORKER"] : [])], ds.map((d) => [
          short(d.id), d.state, d.inputs.map((i) => `${i.name}:${i.path}`).join(" "), `${ms(d.durationMs)} ms`, d.tries, ...(workers ? [d.worker ?? "-"] : []),
        ]));
      }
      return 0;
    },
  },
  {
    words: ["inspect", "datum"], usage: "inspect datum JOB DATUM", summary: "one datum: input files with hashes, outputs, reason, log tail",
    flags: {}, examples: ["calf inspect datum 3fa9c2d1 8be0f1a2", "calf inspect datum 3fa9c2d1 8be0f1a2 -o json"],
    minArgs: 2, maxArgs: 2, mode: "read",
    async run(app, p) {
      const { j, d } = await requireDatum(app, p.args[0]!, p.args[1]!);
      const outputs = await resultOutputs(app.db, j.pipeline, d.hash);
      const files = listLogFiles(app.settings.dataDir, { pipeline: j.pipeline, job: j.id, datum: d.id });
      const last = files.at(-1);
      const tail = last ? tailLines(last, 20).map((l) => `${l.stream} | ${l.text}`).join("\n") : "";
      const full = { ...datumJson(d), hash: d.hash, input_files: d.inputs, outputs, log_tail: tail };
      if (app.out.json) printJson(app.out, full);
      else printFields(app.out, [
        ["id", d.id], ["job", d.job], ["state", d.state], ["tries", d.tries], ["duration", `${ms(d.durationMs)} ms`], ["reason", d.reason],
        ...(d.worker ? [["worker", d.worker] as [string, string]] : []),
        ["inputs", d.inputs.map((i) => `${i.name}=${i.repo}@${short(i.commit)}:${i.path} (${short(i.hash)})`).join(", ")],
        ["outputs", outputs.join(", ") || "-"], ["log tail", tail ? `\n${tail}` : "-"],
      ]);
      return 0;
    },
  },
  {
    words: ["restart", "datum"], usage: "restart datum JOB DATUM", summary: "forget a datum's cached result so the next job reprocesses it",
    flags: {}, examples: ["calf restart datum 3fa9c2d1 8be0f1a2 && calf run --once"],
    minArgs: 2, maxArgs: 2, mode: "write",
    async run(app, p) {
      const { j, d } = await requireDatum(app, p.args[0]!, p.args[1]!);
      const n = await forgetDatum(app.db, j.pipeline, d.id);
      // Due even if its inputs do not change; every other datum is still skipped.
      await setForceDue(app.db, j.pipeline, true);
      app.out.info(`forgot ${n} cached result${n === 1 ? "" : "s"} of datum ${short(d.id)}; the next run of ${j.pipeline} reprocesses it`);
      return 0;
    },
  },
];

