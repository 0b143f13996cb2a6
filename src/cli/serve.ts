// `calf serve` (SPEC §2.2, §7): the runner of `calf run` plus the HTTP API and
// status page. Loopback by default; a listener beyond loopback needs
// CALF_API_TOKEN (checked before binding). SIGTERM/SIGINT: the runner stops
// as `run` does, open event streams end, the server closes, exit 0.
import { createApp, DEFAULT_BODY_LIMIT } from "../api/app.ts";
import { EventHub } from "../api/hub.ts";
import { Metrics } from "../api/metrics.ts";
import { usageError } from "../errors.ts";
import { newId } from "../repo/repos.ts";
import { Waker } from "../wake.ts";
import { bool, int, list, str } from "./args.ts";
import { parseDuration } from "../cron/duration.ts";
import { LeaseQueue } from "../run/leases.ts";
import type { Command } from "./command.ts";
import { openRunner, serviceLoop } from "./runner.ts";

export const DEFAULT_LISTEN = "127.0.0.1:7070";

/** `HOST:PORT` (`[v6]:PORT`) as its parts; a bad one is a usage error. */
export function parseListen(s: string): { hostname: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw usageError(`--listen "${s}" is not HOST:PORT`, "e.g. --listen 127.0.0.1:7070 (port 0 picks a free one)");
  return { hostname: m[1]!.replace(/^\[|\]$/g, ""), port };
}

function leaseTtl(s: string): number {
  let ms: number;
  try {
    ms = parseDuration(s);
  } catch {
    ms = NaN;
  }
  if (!(ms >= 1000)) throw usageError(`--lease-ttl "${s}" is not a duration of at least 1s`, "e.g. --lease-ttl 30s");
  return ms;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export const serveCommand: Command = {
  words: ["serve"], usage: "serve [--listen HOST:PORT] [--allow-host NAME] [PIPELINE...]",
  summary: "the service: run due jobs as data arrives, serve the HTTP API and status page",
  details: [
    "Runs what `calf run` runs (spouts, cron ticks, a job whenever an input changes), and serves the",
    "HTTP API and the status page. It listens on 127.0.0.1:7070 by default; --listen 0.0.0.0:7070 (anything",
    "beyond loopback) needs CALF_API_TOKEN, which then guards every request. With a token set, the API",
    "also takes changes (PUT a file, POST run/stop/start). Requests for another Host than localhost,",
    "127.0.0.1 or [::1] get 403 unless --allow-host names it. SIGTERM or Ctrl-C stops it cleanly (exit 0).",
  ].join("\n"),
  flags: { listen: "string", "allow-host": "list", cors: "list", reprocess: "bool", parallelism: "string", "body-limit": "string", "local-slots": "string", "lease-ttl": "string" },
  flagHelp: {
    listen: "ADDR: HOST:PORT to listen on (default 127.0.0.1:7070; port 0 picks a free one)",
    "allow-host": "NAME: also accept requests with this Host header (repeatable), e.g. behind a proxy",
    cors: "ORIGIN: let a page from this origin call the API from a browser (repeatable; none by default)",
    reprocess: "redo every datum of the named pipelines once (a new salt), at start",
    parallelism: "N: datums run at once per job (default: the spec's, else the number of CPUs)",
    "body-limit": "BYTES: the largest request body (PUT file) accepted (default 256 MiB)",
    "local-slots": "N: datums this process runs at once per job while `calf worker`s lease the rest (0: workers only; default: the parallelism)",
    "lease-ttl": "DURATION: how long a worker's lease lasts without a heartbeat before its datums go to another (default 30s)",
  },
  examples: [
    "calf serve",
    "calf serve --listen 127.0.0.1:0          # a free port; the log says which",
    "CALF_API_TOKEN=$(cat token) calf serve --listen 0.0.0.0:7070 --allow-host calf.example.com",
    "CALF_API_TOKEN=$(cat token) calf serve --listen 0.0.0.0:7070 --local-slots 0   # only `calf worker`s run datums",
  ],
  mode: "runner", createsData: true,
  async run(app, p) {
    const listen = parseListen(str(p.flags, "listen") ?? DEFAULT_LISTEN);
    const token = app.host.env.CALF_API_TOKEN || null;
    const loopback = isLoopback(listen.hostname);
    if (!loopback && !token) {
      throw usageError(`--listen ${listen.hostname} is reachable beyond this machine and CALF_API_TOKEN is not set`, "set CALF_API_TOKEN (every request then needs it), or listen on 127.0.0.1");
    }
    const bodyLimit = int(p.flags, "body-limit") ?? DEFAULT_BODY_LIMIT;
    const localSlots = int(p.flags, "local-slots");
    if (localSlots === 0 && !token) throw usageError("--local-slots 0 leaves every datum to remote workers, and CALF_API_TOKEN is not set (workers need it to join)", "set CALF_API_TOKEN for serve and for each `calf worker`");
    const ttl = str(p.flags, "lease-ttl");
    const queue = token ? new LeaseQueue({ now: () => app.now().getTime(), newId: () => newId().slice(0, 16), ttlMs: ttl === undefined ? undefined : leaseTtl(ttl) }) : null;
    const hub = new EventHub(newId().slice(0, 8));
    const metrics = new Metrics(app.now);
    const s = await openRunner(app, [hub, metrics]);
    const waker = new Waker(app.clock, { dataDir: app.settings.dataDir, folders: [app.settings.pipelinesDir] });
    let ready = false;
    // Said once each time it starts: datums wait and no worker is there to take them.
    let starvingSaid = false;
    const starveTimer = queue && localSlots === 0 ? setInterval(() => {
      const starving = queue.starving();
      if (starving && !starvingSaid) app.out.warn("calf serve: datums are waiting for a worker and none has been heard from (--local-slots 0): start one with calf worker --join URL");
      starvingSaid = starving;
    }, 5000) : null;
    const api = createApp({
      app, hub, metrics, token, readsNeedToken: !loopback, allowHosts: list(p.flags, "allow-host"), corsOrigins: list(p.flags, "cors"),
      bodyLimitBytes: bodyLimit, queue, ready: () => ready, wake: () => waker.poke(), log: (line) => app.out.warn(line),
    });
    const server = await app.rt.serve({ hostname: listen.hostname, port: listen.port, fetch: (req) => api.fetch(req) });
    const shown = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
    app.out.warn(`calf serve: listening on http://${shown}:${server.port}`);
    try {
      await serviceLoop(app, s, {
        names: p.args, reprocess: bool(p.flags, "reprocess"), parallelism: int(p.flags, "parallelism") ?? (queue ? undefined : localSlots), waker, queue: queue ?? undefined, localSlots,
        onPass: async () => {
          await hub.pollCommits(app.db);
          ready = true;
        },
      });
      return 0;
    } finally {
      hub.end();
      if (starveTimer) clearInterval(starveTimer);
      queue?.close();
      await server.stop();
      await s.close();
    }
  },
};
