// Test helper: the real HTTP API of `calf serve` (createApp) over a test App,
// served on 127.0.0.1 and a free port, with the event hub and metrics a
// runner in this process tells through `observer`.
import { createApp, DEFAULT_BODY_LIMIT, type ApiDeps } from "../../src/api/app.ts";
import { EventHub } from "../../src/api/hub.ts";
import { Metrics } from "../../src/api/metrics.ts";
import type { App } from "../../src/app.ts";
import { fanOut, type RunObserver } from "../../src/observe.ts";

export interface ServedApi {
  url: string;
  hub: EventHub;
  metrics: Metrics;
  /** Tell a runOnce() in this test: the API's events and metrics follow it. */
  observer: RunObserver;
  /** Paths requested so far (with their query). */
  requests: string[];
  close(): Promise<void>;
}

export function apiDeps(app: App, over: Partial<ApiDeps> = {}): ApiDeps {
  return {
    app, hub: new EventHub("test"), metrics: new Metrics(app.now), token: null, readsNeedToken: false, allowHosts: [], corsOrigins: [],
    bodyLimitBytes: DEFAULT_BODY_LIMIT, ready: () => true, wake: () => {}, log: () => {}, ...over,
  };
}

export async function serveApi(app: App, over: Partial<ApiDeps> = {}): Promise<ServedApi> {
  const deps = apiDeps(app, over);
  const api = createApp(deps);
  const requests: string[] = [];
  const server = await app.rt.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: (req) => {
      // Bun's req.url is no URL at all (or a relative one) when the Host header is not a host.
      const u = URL.parse(req.url, "http://unparsable-host");
      requests.push(u ? u.pathname + u.search : req.url);
      return api.fetch(req);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`, hub: deps.hub, metrics: deps.metrics, observer: fanOut(deps.hub, deps.metrics), requests,
    async close() {
      deps.hub.end();
      await server.stop();
    },
  };
}
