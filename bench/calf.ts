// Drives the calf binary for one measurement series: its own data dir and
// pipelines folder (absolute paths), the caller's environment (so
// CALF_SANDBOX passes through), and calf's documented JSON output.
import * as fs from "node:fs";
import * as path from "node:path";
import { run, type Ran, type RunOptions } from "./measure.ts";
import { freshDir } from "./files.ts";

export interface JobJson {
  id: string;
  pipeline: string;
  state: string;
  reason: string | null;
  datums: { total: number; processed: number; skipped: number; failed: number; recovered: number };
}

export interface FileJson {
  path: string;
  type: string;
  size_bytes: number;
}

/** The per-file transform every tool runs, as a calf pipeline. */
export const UPPER_PIPELINE = [
  "pipeline: {name: up}",
  "transform:",
  `  cmd: [sh, -c, 'tr a-z A-Z < "$data" > "/pfs/out/\${data##*/}"']`,
  "input:",
  '  pfs: {repo: data, glob: "/*"}',
  "parallelism_spec: {constant: 2}",
  "",
].join("\n");

/**
 * UPPER_PIPELINE's work over a folder-backed repo `data` (the folder `inDir`,
 * declared in the same spec file when given), or over `input`: unbatched (a
 * `sh -c` and a `tr` per datum) or batched (one sh per slot, the README's
 * loop, a `tr` per datum).
 */
export function folderUpper(opts: { inDir?: string; batched: boolean; name?: string; input?: string }): string {
  const repo = opts.inDir ? `repo: {name: data, source: ${JSON.stringify(opts.inDir)}}\n---\n` : "";
  const v = opts.input ?? "data";
  const tr = `tr a-z A-Z < "$${v}" > "/pfs/out/\${${v}##*/}"`;
  const cmd = opts.batched ? `exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"; while read -r id vars <&3; do eval "export $vars"; ${tr}; echo ok >&4; done` : tr;
  return repo + [
    `pipeline: {name: ${opts.name ?? "up"}}`,
    "transform:",
    `  cmd: [sh, -c, ${JSON.stringify(cmd)}]`,
    "input:",
    `  pfs: {repo: ${v}, glob: "/*"}`,
    "parallelism_spec: {constant: 2}",
    ...(opts.batched ? ["datum_batching: true"] : []),
    "",
  ].join("\n");
}

export class Calf {
  readonly dataDir: string;
  readonly pipelines: string;

  /** A fresh series under `dir`: empty data dir and pipelines folder. */
  constructor(
    readonly bin: string,
    readonly dir: string,
  ) {
    this.dataDir = path.join(dir, "data");
    this.pipelines = path.join(dir, "pipelines");
    this.reset();
  }

  /** Starts the series over: no data dir, an empty pipelines folder. */
  reset(): void {
    freshDir(this.dir);
    fs.mkdirSync(this.pipelines);
  }

  exec(args: string[], opts: RunOptions = {}): Ran {
    return run([this.bin, ...args, "--data-dir", this.dataDir, "--pipelines", this.pipelines], { cwd: this.dir, ...opts });
  }

  /** Makes `file` the only spec in the pipelines folder. */
  onlyPipeline(file: string, yaml: string): void {
    freshDir(this.pipelines);
    fs.writeFileSync(path.join(this.pipelines, file), yaml);
  }

  json<T>(args: string[]): T {
    return JSON.parse(this.exec([...args, "-o", "json"], { stdoutFile: path.join(this.dir, "out.json") }).stdout) as T;
  }

  jobs(pipeline?: string): JobJson[] {
    return this.json<JobJson[]>(["list", "job", ...(pipeline ? ["-p", pipeline] : [])]);
  }

  /** The newest job, checked to have succeeded. */
  lastJob(pipeline?: string): JobJson {
    const job = this.jobs(pipeline)[0];
    if (!job) throw new Error(`calf list job${pipeline ? ` -p ${pipeline}` : ""}: no job`);
    if (job.state !== "success") throw new Error(`calf job ${job.id} (${job.pipeline}) ended ${job.state}: ${job.reason ?? ""}`);
    return job;
  }

  files(ref: string): FileJson[] {
    return this.json<FileJson[]>(["list", "file", ref, "-r"]).filter((f) => f.type === "file");
  }

  /** Extracts `get file REPO@REF:/ -r` (a tar stream) into dest. */
  extract(ref: string, dest: string): void {
    freshDir(dest);
    const argv = [this.bin, "get", "file", ref, "-r", "--data-dir", this.dataDir, "--pipelines", this.pipelines];
    run(["bash", "-o", "pipefail", "-c", '"${@:2}" | tar -x -C "$1"', "_", dest, ...argv], { cwd: this.dir });
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
