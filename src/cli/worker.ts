// `calf worker --join URL` (SPEC §2.2.1, issue 14): N slots that lease datums
// from a `calf serve` elsewhere. Opens no data dir and no database; holds a
// lock on its work dir (one worker per work dir). SIGTERM/SIGINT: unstarted
// and cut-short datums go back to serve at once, exit 0.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CalfError, usageError } from "../errors.ts";
import { openStore, storeEnvFrom } from "../store/open.ts";
import { chooseSandbox } from "../transform/probe.ts";
import { ServeClient } from "../worker/client.ts";
import { workerName } from "../worker/protocol.ts";
import { runWorker } from "../worker/worker.ts";
import { int, str } from "./args.ts";
import type { Command } from "./command.ts";

/** `http(s)://HOST:PORT` as a base URL; anything else is a usage error. */
export function parseJoin(s: string | undefined): string {
  if (!s) throw usageError("worker needs --join URL: the address of `calf serve`", "e.g. calf worker --join http://10.0.0.5:7070");
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw usageError(`--join "${s}" is not a URL`, "e.g. --join http://10.0.0.5:7070");
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.username || u.password || u.search || u.hash || (u.pathname !== "/" && u.pathname !== "")) {
    throw usageError(`--join "${s}" must be http(s)://HOST:PORT with no path, query or credentials`, "the token goes in CALF_API_TOKEN, not the URL");
  }
  return `${u.protocol}//${u.host}`;
}

export const workerCommands: Command[] = [
  {
    words: ["worker"], usage: "worker --join URL [--slots N] [--work-dir DIR] [--name NAME]",
    summary: "run datums for a `calf serve` on another machine (leases batches over HTTP)",
    details: [
      "Joins a `calf serve` (which needs CALF_API_TOKEN set; give the worker the same token in",
      "CALF_API_TOKEN) and runs its datums on N slots, with the same sandbox as serve's own slots.",
      "Inputs and outputs go straight to the S3 store when serve uses one (CALF_S3_ENDPOINT and the",
      "AWS_* variables must be set here too), else through serve. Transforms run in the working dir",
      "of the spec under this machine's --pipelines folder, which must be a copy of serve's (a worker",
      "whose copy differs refuses the datums). Never opens the database. SIGTERM gives back what it holds.",
    ].join("\n"),
    flags: { join: "string", slots: "string", "work-dir": "string", name: "string" },
    flagHelp: {
      join: "URL: the `calf serve` to work for, http(s)://HOST:PORT",
      slots: "N: datums run at once (default: the number of CPUs)",
      "work-dir": "DIR: where slots, spooled outputs and logs live (default ./.calf-worker; one worker per folder)",
      name: "NAME: how serve, list job and list datum name this worker (default HOST-PID)",
    },
    examples: [
      "CALF_API_TOKEN=$(cat token) calf worker --join http://10.0.0.5:7070",
      "CALF_API_TOKEN=$(cat token) calf worker --join http://10.0.0.5:7070 --slots 8 --work-dir /var/tmp/calf-worker",
    ],
    maxArgs: 0, mode: "none",
    async run(ctx, p) {
      const base = parseJoin(str(p.flags, "join"));
      const token = ctx.env.CALF_API_TOKEN;
      if (!token) throw usageError("worker needs CALF_API_TOKEN: the token `calf serve` was started with", "export CALF_API_TOKEN=... (the same value as serve's)");
      const slots = int(p.flags, "slots") ?? ctx.host.cpus;
      if (slots < 1 || slots > 1024) throw usageError(`--slots takes 1 to 1024, got ${slots}`, "e.g. --slots 4 (default: the number of CPUs)");
      const name = workerName(str(p.flags, "name") ?? `${os.hostname().split(".")[0]}-${process.pid}`.replace(/[^A-Za-z0-9._:@-]/g, "-"));
      const workDir = path.resolve(ctx.cwd, str(p.flags, "work-dir") ?? ".calf-worker");
      fs.mkdirSync(workDir, { recursive: true });
      const lock = ctx.rt.tryLock(path.join(workDir, "lock"));
      if (!lock) throw new CalfError("locked", `another calf worker is using ${workDir}`, { hint: "give each worker its own --work-dir" });
      const clock = ctx.host.clock;
      const client = new ServeClient(base, token, (ms) => clock.sleep(ms));
      try {
        await client.check(name);
        ctx.rt.becomeSubreaper();
        const sandbox = await chooseSandbox(ctx.rt, { mode: ctx.env.CALF_SANDBOX, path: ctx.env.PATH ?? "/usr/bin:/bin", keep: [path.dirname(ctx.settings.pipelinesDir)], hide: [workDir] });
        const stop = new AbortController();
        const off = (["SIGTERM", "SIGINT"] as const).map((sig) => ctx.rt.onSignal(sig, () => stop.abort()));
        ctx.out.warn(`calf worker ${name}: ${slots} slot${slots === 1 ? "" : "s"} working for ${base}`);
        try {
          const r = await runWorker({
            rt: ctx.rt, client, name, slots, workDir, pipelinesDir: ctx.settings.pipelinesDir, env: ctx.env, clock, sandbox, signal: stop.signal,
            openStore: (url) => openStore(url, { env: storeEnvFrom(ctx.env), dataDir: workDir, cwd: ctx.cwd, rt: ctx.rt, clock }),
            log: (line) => ctx.out.warn(line),
          });
          ctx.out.info(`calf worker ${name}: stopped after ${r.reported} datum${r.reported === 1 ? "" : "s"}`);
        } finally {
          off.forEach((f) => f());
        }
        return 0;
      } finally {
        lock.release();
      }
    },
  },
];
