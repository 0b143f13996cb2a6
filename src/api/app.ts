// The HTTP API of `calf serve` (SPEC §7) as a Hono app: createApp(deps)
// returns it, runtime/ serves it (never this module), tests call
// app.request(). Reads are open on a loopback listener; on any other, or
// for mutations, the token is required. Mutations exist only with a token.
import * as path from "node:path";
import { Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { ApiDeps } from "./deps.ts";
import { cors, errorResponse, hostGuard, requireToken } from "./guard.ts";
import { dataRoutes } from "./routes/data.ts";
import { eventRoutes } from "./routes/events.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { leaseRoutes } from "./routes/leases.ts";
import { mutationRoutes } from "./routes/mutations.ts";
import { pageCsp, pageHtml } from "../view/page.ts";

export type { ApiDeps } from "./deps.ts";

export const DEFAULT_BODY_LIMIT = 256 << 20;

export function createApp(deps: ApiDeps): Hono {
  const api = new Hono();
  api.onError((err, c) => errorResponse(c, err, deps.log));
  api.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));
  api.use(hostGuard(deps.allowHosts));
  api.use(cors(deps.corsOrigins));
  api.use(async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Cache-Control", c.res.headers.get("Cache-Control") ?? "no-store");
  });
  api.use(methodNotAllowed({ app: api, onMethodNotAllowed: (c, allowed) => c.json({ error: `method ${c.req.method} is not allowed here` }, 405, { Allow: allowed.join(", ") }) }));
  // No body limit here: it would read (and buffer) a body before any route checked the token.
  // Each route that reads a body limits it after its token check (routes/mutations.ts, leases.ts).

  api.get("/healthz", (c) => c.json({ status: "ok" }));
  api.get("/readyz", (c) => (deps.ready() ? c.json({ status: "ready" }) : c.json({ status: "starting" }, 503)));
  if (deps.readsNeedToken && deps.token) {
    api.use("/api/*", requireToken(deps.token));
    api.use("/metrics", requireToken(deps.token));
  }
  const csp = pageCsp(deps.app.rt.sha256);
  api.get("/", (c) => c.html(pageHtml(), 200, { "Content-Security-Policy": csp }));
  api.get("/metrics", async (c) => c.text(await deps.metrics.render(deps.app.db), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }));
  const relative = (file: string) => path.relative(deps.app.settings.pipelinesDir, file) || path.basename(file);
  api.route("/api/v1", dataRoutes(deps.app));
  api.route("/api/v1", jobRoutes(deps.app, deps.metrics, relative));
  api.route("/api/v1", eventRoutes(deps.hub));
  if (deps.queue) api.route("/api/v1", leaseRoutes(deps, deps.queue)); // before the mutations' token guard
  api.route("/api/v1", mutationRoutes(deps));
  return api;
}
