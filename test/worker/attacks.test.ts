// The worker protocol attacked by a compromised worker (it holds the token),
// over a real serve on 127.0.0.1: posing as another worker with what the API
// shows of it, a log that breaks the log reader, and store errors whose
// words would carry serve's host paths back to the worker.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { DatumOutcome } from "../../src/run/datum.ts";
import type { PlanItem } from "../../src/run/items.ts";
import { LeaseQueue } from "../../src/run/leases.ts";
import { syncPipelines } from "../../src/run/sync.ts";
import type { DatumInput } from "../../src/plan/types.ts";
import { openTestApp, quietOut, type TestApp } from "../helpers/app.ts";
import { dataCommand } from "../helpers/cli.ts";
import { putText } from "../helpers/repo.ts";
import { serveApi, type ServedApi } from "../helpers/serve.ts";

const TOKEN = "worker-attack-token";
const N = 6;
let t: TestApp;
let s: ServedApi;
let queue: LeaseQueue;
const settled: [string, DatumOutcome, string | null][] = [];
const logged: string[] = [];
const stop = new AbortController();
let running: Promise<void>;

const call = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${s.url}/api/v1${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body), headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
  });
  return { status: r.status, body: r.status === 204 ? null : ((await r.json()) as any) };
};
const result = (lease: string, datum: string, extra = {}) => ({ lease, datum, state: "success", tries: 1, duration_ms: 1, reason: null, outputs: [], logs: {}, ...extra });

beforeAll(async () => {
  t = await openTestApp();
  await t.app.repos.createRepo("in");
  t.spec("up", `pipeline: {name: up}\ntransform: {cmd: [sh, -c, "true"]}\ninput: {pfs: {repo: in, glob: "/*"}}\n`);
  let head = null;
  for (let i = 0; i < N; i++) head = await putText(t.app.repos, "in", `/f${i}`, `file ${i}\n`);
  const entries = await t.app.repos.listAll(head!);
  const [spec] = await syncPipelines(t.app);
  const items: PlanItem[] = Array.from({ length: N }, (_, i) => {
    const e = entries.find((x) => x.path === `/f${i}`)!;
    const input: DatumInput = { name: "in", repo: "in", branch: "master", commit: head!.id, path: e.path, type: e.type, hash: e.hash, size: e.size, reference: false, emptyFiles: false };
    const id = `d${i}`.padEnd(8, "0");
    return { id, action: "process", reason: "new", paths: [e.path], hash: `h${i}`, datum: { id, inputs: [input], sortKey: [e.path] } };
  });
  queue = new LeaseQueue({ now: () => Date.now(), newId: () => t.app.rt.sha256(String(Math.random())).slice(0, 16), ttlMs: 60_000 });
  s = await serveApi(t.app, { token: TOKEN, queue, log: (l) => void logged.push(l) });
  running = queue.run({ id: "job1", spec: spec!, outputCommit: "c" }, items, {
    localSlots: 0, runLocal: async () => null, settle: (i, o, w) => void settled.push([i.id, o, w]), signal: stop.signal,
  });
});

afterAll(async () => {
  stop.abort();
  await running;
  await s?.close();
  t?.close();
});

describe("a token holder posing as another worker", () => {
  test("GET /workers does not show a lease's id, so what it shows renews, releases and reports nothing of w1's lease", async () => {
    const grant = (await call("POST", "/leases", { worker: "w1", slots: 1, max: 2 })).body;
    const d = grant.datums[0].id;
    const workers = await call("GET", "/workers");
    expect(JSON.stringify(workers.body)).not.toContain(grant.lease);
    const shown: string = workers.body.find((w: any) => w.name === "w1").leases[0].lease;
    expect(shown).toMatch(/^[0-9a-f]{1,80}$/);
    // The impostor says it is w1 and names the lease as /workers showed it.
    expect((await call("POST", "/leases/heartbeat", { worker: "w1", slots: 1, leases: [shown] })).body.leases).toEqual({ [shown]: "ended" });
    expect((await call("POST", "/leases/release", { worker: "w1", slots: 1, leases: [shown] })).body.leases).toEqual({ [shown]: "gone" });
    expect((await call("POST", "/leases/results", { worker: "w1", results: [result(shown, d, { state: "failed" })] })).body.results).toEqual([{ datum: d, status: "gone" }]);
    expect(settled).toEqual([]);
    // w1 itself, with the id it was granted, still holds its lease.
    expect((await call("POST", "/leases/heartbeat", { worker: "w1", slots: 1, leases: [grant.lease] })).body.leases).toEqual({ [grant.lease]: "ok" });
    expect((await call("POST", "/leases/results", { worker: "w1", results: [result(grant.lease, d)] })).body.results).toEqual([{ datum: d, status: "ok" }]);
  });
});

describe("a worker's log", () => {
  test("a log of a million empty lines (within the report's limits) breaks neither GET /api/v1/logs nor calf logs", async () => {
    const grant = (await call("POST", "/leases", { worker: "w2", slots: 1, max: 1 })).body;
    const d = grant.datums[0].id;
    const logs = { "1": "\n".repeat(1 << 20) };
    expect((await call("POST", "/leases/results", { worker: "w2", results: [result(grant.lease, d, { logs })] })).body.results).toEqual([{ datum: d, status: "ok" }]);
    const r = await call("GET", `/logs?pipeline=up&tail=3`);
    expect({ status: r.status, lines: r.body.length, datum: r.body[0]?.datum }).toEqual({ status: 200, lines: 3, datum: d });
    const all = await call("GET", `/logs?pipeline=up&tail=1000000000`);
    expect({ status: all.status, lines: all.body.length }).toEqual({ status: 200, lines: 10_000 });
    // calf logs reads the same files.
    const out = quietOut();
    const app = t.app as { out: unknown };
    const was = app.out;
    app.out = out;
    try {
      expect(await dataCommand("logs").run(t.app, { command: null, args: [], flags: { pipeline: "up", tail: "3" } })).toBe(0);
    } finally {
      app.out = was;
    }
    expect(out.written.join("").split("\n").filter(Boolean)).toHaveLength(3);
  });
});

describe("a rejected result", () => {
  test("says the outputs could not be stored, not the store's own words (which name serve's host paths); serve's log has them", async () => {
    const grant = (await call("POST", "/leases", { worker: "w3", slots: 1, max: 1 })).body;
    const d = grant.datums[0].id;
    const store = t.app.store;
    const put = store.putBytes;
    store.putBytes = async () => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${t.dir}/data/objects/tmp/obj-1'`), { code: "EACCES" });
    };
    try {
      const out = { path: "/o", hash: t.app.rt.sha256("o"), size: 1, data: Buffer.from("o").toString("base64") };
      const r = (await call("POST", "/leases/results", { worker: "w3", results: [result(grant.lease, d, { outputs: [out] })] })).body.results;
      expect(r).toEqual([{ datum: d, status: "rejected", error: expect.any(String) }]);
      expect(r[0].error).not.toContain(t.dir);
      expect(logged.join("\n")).toContain(`${t.dir}/data/objects/tmp/obj-1`);
    } finally {
      store.putBytes = put;
    }
    expect(settled.map(([id]) => id)).not.toContain(d);
  });
});
