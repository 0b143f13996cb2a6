// Where a file came from, and what came of it (`calf why`): a job's output
// file -> the datums that wrote it -> their input files -> ... up the DAG to
// files a user, a spout or a cron tick committed; or forward, from an input
// file to the datums of downstream jobs that read it and what they wrote.
// Reads only: commits (provenance), job datum lists, the datum index of a
// pipeline's last job, and cached datum results for older jobs.
import type { App } from "../app.ts";
import { indexedDatums, indexHead } from "../db/queries/datumindex.ts";
import { getJob, listDatums, listJobs, type DatumRow, type JobRow } from "../db/queries/jobs.ts";
import { listPipelines } from "../db/queries/pipelines.ts";
import { findResults } from "../db/queries/results.ts";
import { leaves } from "../plan/input.ts";
import type { CommitInfo, Origin } from "../repo/repos.ts";

export interface FileNode {
  repo: string;
  commit: string;
  path: string;
  type: "file" | "dir";
  /** Who made the commit: a job's output, or a source (user, spout, cron). */
  origin: Origin;
  /** Backward: the datums that wrote this path; forward: the datums that read it. */
  datums: DatumNode[];
  /** Datums left out (at most MAX_CHILDREN are shown). */
  more: number;
  /** Already traced earlier in this answer (not expanded again). */
  seen?: boolean;
  /** Why the trace stops here, when it is not a source file. */
  note?: string;
}

export interface DatumNode {
  id: string;
  job: string;
  pipeline: string;
  /** Backward: the datum's input files; forward: the files it wrote. */
  files: FileNode[];
  more: number;
}

/** Children shown per node; the rest are counted. */
export const MAX_CHILDREN = 20;
/** Nodes traced in all, so a whole-repo datum over a big DAG stays an answer, not a dump. */
const MAX_NODES = 2000;

interface JobView {
  job: JobRow;
  datums: DatumRow[];
  /** Output paths by datum id; absent: not recorded (the cached result was forgotten). */
  outputs: Map<string, string[]>;
}

/** Whether `path` is `dir` or lies under it. */
const within = (path: string, dir: string) => dir === "/" || path === dir || path.startsWith(`${dir}/`);

export class Lineage {
  #jobs = new Map<string, JobView>();
  #seen = new Set<string>();
  #nodes = 0;
  constructor(private app: App) {}

  /** The datums (and, recursively, their inputs) behind `path` in commit `c`. */
  async backward(c: CommitInfo, path: string, type: "file" | "dir"): Promise<FileNode> {
    const node = this.#node(c, path, type);
    if (node.seen || c.origin !== "job") return node;
    if (!c.job) return { ...node, note: "the job that made this commit is not recorded" };
    const view = await this.#view(c.job);
    if (!view) return { ...node, note: `job ${c.job} is gone` };
    const writers = view.datums.filter((d) => view.outputs.get(d.id)?.some((o) => within(o, path)));
    const unknown = view.datums.filter((d) => d.state !== "recovered" && !view.outputs.has(d.id)).length;
    if (!writers.length) return { ...node, note: unknown ? `the outputs of ${unknown} datum${unknown === 1 ? "" : "s"} of job ${view.job.id} are no longer recorded (their cached results were forgotten)` : `no datum of job ${view.job.id} wrote it` };
    node.more = Math.max(0, writers.length - MAX_CHILDREN);
    for (const d of writers.slice(0, MAX_CHILDREN)) {
      const dn: DatumNode = { id: d.id, job: view.job.id, pipeline: view.job.pipeline, files: [], more: Math.max(0, d.inputs.length - MAX_CHILDREN) };
      for (const i of d.inputs.slice(0, MAX_CHILDREN)) {
        const ic = await this.app.repos.getCommit(i.commit);
        if (!ic || this.#nodes >= MAX_NODES) {
          dn.files.push({ repo: i.repo, commit: i.commit, path: i.path, type: i.type === "dir" ? "dir" : "file", origin: ic?.origin ?? "user", datums: [], more: 0, note: ic ? "not traced: the answer is long enough" : "commit is gone" });
          continue;
        }
        dn.files.push(await this.backward(ic, i.path, i.type === "dir" ? "dir" : "file"));
      }
      node.datums.push(dn);
    }
    return node;
  }

  /** The datums of downstream jobs that read `path` of commit `c`, and (recursively) what they wrote. */
  async forward(c: CommitInfo, path: string, type: "file" | "dir"): Promise<FileNode> {
    const node = this.#node(c, path, type);
    if (node.seen) return node;
    const readers: { view: JobView; d: DatumRow }[] = [];
    const notes: string[] = [];
    for (const p of await listPipelines(this.app.db)) {
      if (!leaves(p.spec.input).some((l) => l.repo === c.repo && l.branch === c.branch)) continue;
      const job = await this.#readerJob(p.name, c, path);
      if (typeof job === "string") {
        notes.push(job);
        continue;
      }
      const view = (await this.#view(job.id))!;
      for (const d of view.datums) {
        if (d.inputs.some((i) => i.repo === c.repo && (within(path, i.path) || (type === "dir" && within(i.path, path))))) readers.push({ view, d });
      }
    }
    if (notes.length) node.note = notes.join("; ");
    node.more = Math.max(0, readers.length - MAX_CHILDREN);
    for (const { view, d } of readers.slice(0, MAX_CHILDREN)) {
      const outs = view.outputs.get(d.id);
      const dn: DatumNode = { id: d.id, job: view.job.id, pipeline: view.job.pipeline, files: [], more: Math.max(0, (outs?.length ?? 0) - MAX_CHILDREN) };
      const oc = view.job.outputCommit ? await this.app.repos.getCommit(view.job.outputCommit) : null;
      for (const o of (outs ?? []).slice(0, MAX_CHILDREN)) {
        if (!oc || this.#nodes >= MAX_NODES) {
          dn.files.push({ repo: view.job.pipeline, commit: view.job.outputCommit ?? "", path: o, type: "file", origin: "job", datums: [], more: 0, note: oc ? "not traced: the answer is long enough" : "commit is gone" });
          continue;
        }
        dn.files.push(await this.forward(oc, o, "file"));
      }
      node.datums.push(dn);
    }
    return node;
  }

  #node(c: CommitInfo, path: string, type: "file" | "dir"): FileNode {
    const key = `${c.id}:${path}`;
    const node: FileNode = { repo: c.repo, commit: c.id, path, type, origin: c.origin, datums: [], more: 0 };
    if (this.#seen.has(key)) return { ...node, seen: true };
    this.#seen.add(key);
    this.#nodes++;
    return node;
  }

  /**
   * The successful job of `pipeline` that read commit `c`: the newest that
   * read exactly it, else its newest one if `path` is the same there (its
   * jobs may have read a later commit only). A string says why there is none.
   */
  async #readerJob(pipeline: string, c: CommitInfo, path: string): Promise<JobRow | string> {
    const jobs = await listJobs(this.app.db, { pipeline, states: ["success"], limit: 200 });
    const exact = jobs.find((j) => j.inputCommits.some((i) => i.commit === c.id));
    if (exact) return exact;
    const newest = jobs[0];
    if (!newest) return `${pipeline} has no successful job yet`;
    const read = newest.inputCommits.find((i) => i.repo === c.repo);
    const rc = read ? await this.app.repos.getCommit(read.commit) : null;
    const here = await this.app.repos.lookup(c, path);
    const there = rc ? await this.app.repos.lookup(rc, path) : null;
    if (!rc || !here || !there || there.hash !== here.hash) return `${pipeline} has not run on this version of ${path} (its last job ${newest.id} read ${c.repo}@${read?.commit ?? "?"})`;
    return newest;
  }

  async #view(jobId: string): Promise<JobView | null> {
    const cached = this.#jobs.get(jobId);
    if (cached) return cached;
    const job = await getJob(this.app.db, jobId);
    if (!job) return null;
    const datums = (await listDatums(this.app.db, job.id)).filter((d) => d.state === "success" || d.state === "skipped");
    const outputs = new Map<string, string[]>();
    // The pipeline's last successful job has its datum index: exact, whatever the cache forgot.
    if ((await indexHead(this.app.db, job.pipeline))?.job === job.id) {
      for (const [id, d] of await indexedDatums(this.app.db, job.pipeline, datums.map((d) => d.id))) outputs.set(id, d.outputs);
    }
    const missing = datums.filter((d) => !outputs.has(d.id));
    if (missing.length) {
      const results = await findResults(this.app.db, job.pipeline, missing.map((d) => d.hash));
      for (const d of missing) {
        const r = results.get(d.hash);
        if (r) outputs.set(d.id, r.outputs.map((o) => o.path));
      }
    }
    const view = { job, datums, outputs };
    this.#jobs.set(jobId, view);
    return view;
  }
}
