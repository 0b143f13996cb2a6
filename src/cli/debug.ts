// `calf debug dump [FILE]`: one .tar.gz for a bug report: calf's version and
// runtime, the (redacted) environment and settings, the pipeline specs, lint
// results, and when there is a data dir, repos, pipelines, recent jobs and
// their logs. Every text in it goes through redactText(): secrets stay home.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import type { App } from "../app.ts";
import { listJobs } from "../db/queries/jobs.ts";
import { lastJob } from "../db/queries/jobs.ts";
import { listPipelines } from "../db/queries/pipelines.ts";
import { conflict, usageError } from "../errors.ts";
import { formatIssue } from "../spec/format.ts";
import { loadFolder, SPEC_FILE } from "../spec/load.ts";
import { BUILD, VERSION, versionLine } from "../version.ts";
import { int } from "./args.ts";
import type { Command, Context } from "./command.ts";
import { jobJson, pipelineJson, repoJson } from "../shapes.ts";
import { collectUrlSecrets, redactEnv, redactText, REDACTED } from "./redact.ts";

/** Bytes kept of each log file (its tail), and of all logs together. */
const LOG_TAIL = 64 * 1024;
const LOGS_TOTAL = 8 * 1024 * 1024;

interface DumpFile {
  name: string;
  text: string;
}

export const debugCommands: Command[] = [
  {
    words: ["debug", "dump"], usage: "debug dump [FILE] [--jobs N]", summary: "write a redacted bug-report tarball (.tar.gz)",
    details: [
      "Holds calf's version and runtime, the environment and settings, the pipeline specs and lint results,",
      "and when there is a data dir: repos, pipelines, the most recent jobs and the tails of their logs.",
      "Secrets are replaced by [redacted]: CALF_API_TOKEN, CALF_DB_AUTH_TOKEN, authToken and passwords in",
      "URLs, AWS_* secrets, any variable named like a token, key, secret or password, and values that look",
      "like tokens, wherever they appear. FILE defaults to calf-debug-TIME.tar.gz here; - is stdout.",
    ].join("\n"),
    flags: { jobs: "string" }, flagHelp: { jobs: "N: include the N most recent jobs and their logs (default 20)" },
    examples: ["calf debug dump", "calf debug dump /tmp/report.tar.gz --jobs 5", "calf debug dump - | tar -tz"],
    maxArgs: 1, mode: "none",
    async run(ctx, p) {
      const target = p.args[0] ?? `calf-debug-${ctx.now().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}.tar.gz`;
      if (target === "-" && ctx.out.tty) throw usageError("debug dump: not writing a tarball to a terminal", "give a FILE, or pipe it");
      const files = await collect(ctx, int(p.flags, "jobs") ?? 20);
      const pack = tar.pack();
      const mtime = ctx.now();
      for (const f of files) pack.entry({ name: `calf-debug/${f.name}`, mode: 0o644, mtime }, f.text);
      pack.finalize();
      if (target === "-") {
        await pipeline(pack, createGzip(), process.stdout, { end: false });
        return 0;
      }
      const file = path.resolve(ctx.cwd, target);
      if (fs.existsSync(file)) throw conflict(`debug dump: ${target} already exists`, "give another FILE, or remove it first");
      await pipeline(pack, createGzip(), fs.createWriteStream(file, { flags: "wx" }));
      ctx.out.info(`wrote ${target} (${files.length} files); look it over before you share it`);
      return 0;
    },
  },
];

async function collect(ctx: Context, jobCount: number): Promise<DumpFile[]> {
  const secrets = new Set<string>();
  const env = redactEnv(ctx.env, secrets);
  if (ctx.settings.authToken) secrets.add(ctx.settings.authToken);
  collectUrlSecrets(ctx.settings.dbUrl, secrets);
  // Secret values the specs give transforms (transform.env) may show up in logs: scrub them everywhere too.
  const dir = ctx.settings.pipelinesDir;
  const app = await ctx.openData();
  const lint = await loadFolder(dir, { existingRepos: app ? await app.repos.repoNames() : [] });
  for (const spec of lint.specs) redactEnv(spec.transform.env, secrets);
  const files: DumpFile[] = [];
  const add = (name: string, text: string) => files.push({ name, text: redactText(text, secrets) });
  const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";

  add("version.json", json({
    calf: VERSION, line: versionLine(), commit: BUILD.commit, built: BUILD.date,
    runtime: ctx.rt.name, versions: process.versions, platform: process.platform, arch: process.arch,
    os: `${os.type()} ${os.release()}`, cpus: os.cpus().length, memory_bytes: os.totalmem(), time: ctx.now().toISOString(),
  }));
  add("env.txt", Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  add("settings.json", json({
    cwd: ctx.cwd, data_dir: ctx.settings.dataDir, pipelines_dir: ctx.settings.pipelinesDir,
    db_url: ctx.settings.dbUrl, db_auth_token: ctx.settings.authToken ? REDACTED : null,
  }));

  const specFiles = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => SPEC_FILE.test(n)).sort() : [];
  for (const n of specFiles) {
    const st = fs.statSync(path.join(dir, n), { throwIfNoEntry: false });
    if (st?.isFile() && st.size <= 1 << 20) add(`pipelines/${n}`, fs.readFileSync(path.join(dir, n), "utf8"));
  }

  add("lint.txt", [...lint.issues.map(formatIssue), ...lint.notices.map((n) => `notice: ${n}`)].join("\n") + "\n");
  if (!app) {
    add("data.txt", `no data dir at ${ctx.settings.dataDir}\n`);
    return files;
  }
  await collectData(app, jobCount, add, json);
  return files;
}

async function collectData(app: App, jobCount: number, add: (name: string, text: string) => void, json: (v: unknown) => string): Promise<void> {
  add("repos.json", json((await app.repos.listRepos()).map(repoJson)));
  const pipelines = [];
  for (const p of await listPipelines(app.db)) {
    const last = await lastJob(app.db, p.name, ["success", "failure", "killed", "unrunnable", "running"]);
    pipelines.push({ ...pipelineJson(p, last), paused: p.paused, active: p.active });
  }
  add("pipelines.json", json(pipelines));
  const jobs = await listJobs(app.db, { limit: jobCount });
  add("jobs.json", json(jobs.map((j) => ({ ...jobJson(j), pipeline_version: j.version, stats: j.stats }))));
  let budget = LOGS_TOTAL;
  for (const j of jobs) {
    const jdir = path.join(app.settings.dataDir, "logs", j.pipeline, j.id);
    if (!fs.existsSync(jdir)) continue;
    for (const n of fs.readdirSync(jdir).sort()) {
      if (budget <= 0) return;
      const text = tailOf(path.join(jdir, n), Math.min(LOG_TAIL, budget));
      budget -= text.length;
      add(`logs/${j.pipeline}/${j.id}/${n}`, text);
    }
  }
}

function tailOf(file: string, max: number): string {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) return "";
  const n = Math.min(max, st.size);
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, st.size - n);
    return (n < st.size ? `[calf debug dump: ${st.size - n} earlier bytes left out]\n` : "") + buf.toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}
