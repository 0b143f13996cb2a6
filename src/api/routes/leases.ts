// The serve side of remote workers (issue 14): lease, heartbeat, release,
// results, and objects through serve. All but GET /workers need the token.
// Nothing a worker reports counts before it is checked (shapes and paths in
// worker/protocol.ts; here: outputs are stored objects of that hash and size).
import { Buffer } from "node:buffer";
import * as fs from "node:fs";
import * as path from "node:path";
import { Hono, type Context } from "hono";
import { invalid, notFound } from "../../errors.ts";
import { forEachLimit } from "../../repo/files.ts";
import type { LeaseQueue } from "../../run/leases.ts";
import { storedSize } from "../../store/size.ts";
import { logDir } from "../../transform/logfiles.ts";
import { MAX_REPORT_BYTES, MAX_SMALL_BODY, parseHeartbeat, parseLeaseRequest, parseReport } from "../../worker/protocol.ts";
import type { ApiDeps } from "../deps.ts";
import { limitBody as limit, requireToken, statusOf } from "../guard.ts";
import { buildGrant } from "./_grant.ts";

const HASH = /^[0-9a-f]{64}$/;

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw invalid("the request body is not JSON");
  }
}

export function leaseRoutes(deps: ApiDeps, queue: LeaseQueue): Hono {
  const r = new Hono();
  const { app } = deps;
  const iso = (ms: number) => new Date(ms).toISOString();

  // A lease's id is the only proof that a worker holds it (every worker has the same token and
  // names itself): this open listing shows a tag of it instead.
  const tag = (lease: string) => app.rt.sha256(`lease ${lease}`).slice(0, 16);
  r.get("/workers", (c) => {
    const now = app.now().getTime();
    const active = queue.active();
    return c.json([...queue.workers.values()].map((w) => ({
      name: w.name, slots: w.slots, last_seen: iso(w.lastSeen), state: now - w.lastSeen > 2 * queue.ttlMs ? "gone" : "active",
      leases: active.filter((a) => a.worker === w.name).map((a) => ({ lease: tag(a.lease), job: a.job, datums: a.datums, expires: iso(a.expiresAt) })),
      datums_done: w.done,
    })));
  });

  if (!deps.token) return r;
  for (const p of ["/leases", "/leases/*", "/objects/*"]) r.use(p, requireToken(deps.token));

  r.post("/leases", limit(MAX_SMALL_BODY), async (c) => {
    const req = parseLeaseRequest(await jsonBody(c));
    let lease = queue.lease(req.worker, req.slots, req.max);
    if (!lease && req.wait_ms) {
      await queue.waitForWork(req.wait_ms, c.req.raw.signal);
      lease = queue.lease(req.worker, req.slots, req.max);
    }
    if (!lease) return c.body(null, 204);
    try {
      const grant = await buildGrant(app, lease, queue.ttlMs);
      // The worker hung up meanwhile (it is stopping): it will never know of this lease.
      if (!c.req.raw.signal.aborted) return c.json(grant);
    } catch (err) {
      queue.release(req.worker, lease.id);
      throw err;
    }
    queue.release(req.worker, lease.id);
    return c.body(null, 204);
  });

  r.post("/leases/heartbeat", limit(MAX_SMALL_BODY), async (c) => {
    const hb = parseHeartbeat(await jsonBody(c));
    return c.json({ ttl_ms: queue.ttlMs, leases: queue.heartbeat(hb.worker, hb.leases, hb.slots) });
  });

  r.post("/leases/release", limit(MAX_SMALL_BODY), async (c) => {
    const hb = parseHeartbeat(await jsonBody(c));
    return c.json({ leases: Object.fromEntries(hb.leases.map((l) => [l, queue.release(hb.worker, l) ? "released" : "gone"])) });
  });

  r.post("/leases/results", limit(MAX_REPORT_BYTES), async (c) => {
    const report = parseReport(await jsonBody(c));
    const answers: { datum: string; status: string; error?: string }[] = [];
    for (const res of report.results) {
      const lease = queue.get(res.lease);
      // Nothing is stored or checked for a datum that is not this worker's to report.
      if (!lease) {
        answers.push({ datum: res.datum, status: "gone" });
        continue;
      }
      if (lease.worker !== report.worker || !lease.items.some((i) => i.id === res.datum)) {
        answers.push({ datum: res.datum, status: "unknown", error: `datum ${res.datum} is not part of lease ${res.lease} of worker ${report.worker}` });
        continue;
      }
      try {
        // Checked 16 at a time: on S3 each is a HEAD.
        await forEachLimit(res.outputs, 16, async (o) => {
          if (o.data !== undefined) {
            const bytes = new Uint8Array(Buffer.from(o.data, "base64"));
            if (bytes.byteLength !== o.size || app.rt.sha256(bytes) !== o.hash) throw invalid(`output "${o.path}": its bytes do not have hash ${o.hash} and size ${o.size}`);
            await app.store.putBytes(bytes);
          } else {
            const size = await storedSize(app.store, o.hash);
            if (size === null) throw invalid(`output "${o.path}": object ${o.hash} is not in the store`, "upload it first (PUT /api/v1/objects/HASH, or to the S3 store)");
            if (size !== o.size) throw invalid(`output "${o.path}": object ${o.hash} has ${size} bytes, not ${o.size}`);
          }
        });
      } catch (err) {
        // What is wrong with the result (a 4xx error) goes back; serve's own failure (a 500 one: it may name serve's paths) goes to its log.
        const told = statusOf(err) !== 500;
        if (!told) deps.log(`calf: a result of worker ${report.worker} for datum ${res.datum}: ${(err as Error)?.message ?? String(err)}`);
        const error = told ? (err as Error).message : "serve could not check or store the outputs (its log says why)";
        answers.push({ datum: res.datum, status: "rejected", error });
        continue;
      }
      const status = queue.report(report.worker, res.lease, res.datum, {
        state: res.state, tries: res.tries, durationMs: res.duration_ms, reason: res.reason,
        outputs: res.outputs.map((o) => ({ path: o.path, hash: o.hash, size: o.size })),
      });
      if (status === "ok") writeLogs(logDir(app.settings.dataDir, lease.job.spec.name, lease.job.id), res.datum, res.logs);
      answers.push({ datum: res.datum, status });
    }
    return c.json({ results: answers });
  });

  r.get("/objects/:hash", async (c) => {
    const hash = c.req.param("hash");
    if (!HASH.test(hash)) throw invalid(`"${hash.slice(0, 80)}" is not a SHA-256 hash`);
    const size = await storedSize(app.store, hash);
    if (size === null) throw notFound(`object ${hash} is not in the store`);
    const it = app.store.stream(hash)[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        const { value, done } = await it.next();
        if (done) ctl.close();
        else ctl.enqueue(value);
      },
      async cancel() {
        await it.return?.();
      },
    });
    return new Response(body, { headers: { "Content-Type": "application/octet-stream", "Content-Length": String(size) } });
  });

  // No size limit (a worker's output may be bigger than --body-limit): the body streams into the
  // store, hashed as it goes. Its length must be announced: nothing is buffered to count it.
  r.put("/objects/:hash", async (c) => {
    if (!/^\d+$/.test(c.req.header("content-length") ?? "")) {
      return c.json({ error: "PUT /objects needs a Content-Length (no chunked body)", hint: "calf worker sends one: use the worker of the same calf version as serve" }, 411);
    }
    const hash = c.req.param("hash");
    if (!HASH.test(hash)) throw invalid(`"${hash.slice(0, 80)}" is not a SHA-256 hash`);
    const body = c.req.raw.body;
    const stored = body ? await app.store.putStream(body as unknown as AsyncIterable<Uint8Array>) : await app.store.putBytes(new Uint8Array());
    // A mismatch leaves an unreferenced object, which gc removes after its grace period.
    if (stored.hash !== hash) throw invalid(`the body's hash is ${stored.hash}, not ${hash}`);
    await app.store.flush();
    return c.json(stored, 201);
  });
  return r;
}

/** Writes a reported datum's attempt logs where `calf logs` and the API read them. */
function writeLogs(dir: string, datum: string, logs: Record<string, string>): void {
  const names = Object.keys(logs);
  if (!names.length) return;
  fs.mkdirSync(dir, { recursive: true });
  for (const k of names) fs.writeFileSync(path.join(dir, `${datum}.${k}.log`), logs[k]!);
}
