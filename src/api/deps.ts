// What the API is given: the app, the event hub, the metrics and the serve
// options. Its own module so routes can take it without importing app.ts.
import type { App } from "../app.ts";
import type { LeaseQueue } from "../run/leases.ts";
import type { EventHub } from "./hub.ts";
import type { Metrics } from "./metrics.ts";

export interface ApiDeps {
  app: App;
  hub: EventHub;
  metrics: Metrics;
  /** CALF_API_TOKEN: mutations exist only with it. */
  token: string | null;
  /** Reads need the token too (serve listens beyond loopback). */
  readsNeedToken: boolean;
  /** Host names allowed besides loopback (--allow-host). */
  allowHosts: string[];
  /** Origins allowed to call from a browser page elsewhere (none by default). */
  corsOrigins: string[];
  /** Largest request body (PUT file), bytes. */
  bodyLimitBytes: number;
  /** False until the database is open and specs are loaded. */
  ready: () => boolean;
  /** Tells the runner to look at once (a mutation changed something). */
  wake: () => void;
  /** The datum queue remote workers lease from (serve with a token); absent: no lease endpoints. */
  queue?: LeaseQueue | null;
  /** Where internal errors are logged (never sent). */
  log: (line: string) => void;
}
