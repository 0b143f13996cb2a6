// The lease endpoints of calf serve (api/routes/leases.ts) through
// app.request(): the token always, the grant (inputs, directory listings,
// inline objects), and everything a semi-trusted worker might send wrong:
// traversal paths, objects not stored or of another size, inline bytes that
// are not what they claim, datums of another lease or job, oversized bodies.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Hono } from "hono";
import { createApp } from "../../src/api/app.ts";
import type { DatumOutcome } from "../../src/run/datum.ts";
import type { PlanItem } from "../../src/run/items.ts";
import { LeaseQueue } from "../../src/run/leases.ts";
import { syncPipelines } from "../../src/run/sync.ts";
import type { DatumInput } from "../../src/plan/types.ts";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { apiDeps } from "../helpers/serve.ts";

const TOKEN = "lease-test-token";
let t: TestApp;
let api: Hono;
let queue: LeaseQueue;
const settled: [string, DatumOutcome, string | null][] = [];
const stop = new AbortController();
let running: Promise<void>;
let items: PlanItem[];

const auth = { Authorization: `Bearer ${TOKEN}` };
const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  api.request(`/api/v1${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { Host: "127.0.0.1", "Content-Type": "application/json", ...headers } });
const sha = (s: string | Uint8Array) => t.app.rt.sha256(s);

beforeAll(async () => {
  t = await openTestApp();
  await t.app.repos.createRepo("in");
  t.spec("up", `pipeline: {name: up}\ntransform: {cmd: [sh, -c, "true"]}\ninput: {pfs: {repo: in, glob: "/*"}}\n`);
  await putText(t.app.repos, "in", "/a", "alpha\n");
  const head = await putText(t.app.repos, "in", "/dir/x/y", "deep\n");
  const entries = await t.app.repos.listAll(head);
  const input = (p: string): DatumInput => {
    const e = entries.find((x) => x.path === p)!;
    return { name: "in", repo: "in", branch: "master", commit: head.id, path: p, type: e.type, hash: e.hash, size: e.size, reference: false, emptyFiles: false };
  };
  const [spec] = await syncPipelines(t.app);
  items = ["/a", "/dir"].map((p, i) => ({ id: `d${i}`.padEnd(8, "0"), action: "process", reason: "new", paths: [p], hash: `h${i}`, datum: { id: `d${i}`.padEnd(8, "0"), inputs: [input(p)], sortKey: [p] } }));
  queue = new LeaseQueue({ now: () => Date.now(), newId: () => "ab", ttlMs: 60_000 });
  api = createApp(apiDeps(t.app, { token: TOKEN, queue }));
  running = queue.run({ id: "job1", spec: spec!, outputCommit: "c" }, items, { localSlots: 0, runLocal: async () => null, settle: (i, o, w) => settled.push([i.id, o, w]), signal: stop.signal });
});

afterAll(async () => {
  stop.abort();
  await running;
  t.close();
});

describe("lease endpoints", () => {
  test("need the token (401 without it), and do not exist when serve has none (404)", async () => {
    expect((await post("/leases", { worker: "w", slots: 1, max: 1 }, {})).status).toBe(401);
    expect((await post("/leases/results", { worker: "w", results: [] }, { Authorization: "Bearer wrong" })).status).toBe(401);
    const open = createApp(apiDeps(t.app, { token: null, queue }));
    const r = await open.request("/api/v1/leases", { method: "POST", body: "{}", headers: { Host: "127.0.0.1" } });
    expect(r.status).toBe(404);
    expect((await open.request("/api/v1/workers", { headers: { Host: "127.0.0.1" } })).status).toBe(200);
  });

  test("refuse a bad lease request with 400 and an oversized body with 413", async () => {
    expect((await post("/leases", { worker: "../etc", slots: 1, max: 1 })).status).toBe(400);
    expect((await post("/leases", { worker: "w", slots: 0, max: 1 })).status).toBe(400);
    expect((await post("/leases", "not json")).status).toBe(400);
    expect((await post("/leases/heartbeat", { worker: "w", slots: 1, leases: ["a".repeat(300_000)] })).status).toBe(413);
  });

  let lease: string;
  test("a grant carries each datum's inputs, its directories' files, and small inputs inline", async () => {
    const r = await post("/leases", { worker: "w1", slots: 2, max: 10 });
    expect(r.status).toBe(200);
    const g = (await r.json()) as any;
    lease = g.lease;
    expect({ job: g.job, pipeline: g.pipeline, store: g.store, ids: g.datums.map((d: any) => d.id), cmd: g.transform.cmd, wd: g.transform.working_dir }).toEqual({
      job: "job1", pipeline: "up", store: null, ids: [items[0]!.id, items[1]!.id], cmd: ["sh", "-c", "true"], wd: ".",
    });
    expect(Object.values(g.datums[1].dirs)).toEqual([[["/x/y", sha("deep\n"), 5]]]);
    expect(Buffer.from(g.objects[sha("alpha\n")], "base64").toString()).toBe("alpha\n");
    expect(Buffer.from(g.objects[sha("deep\n")], "base64").toString()).toBe("deep\n");
    expect((await post("/leases", { worker: "w2", slots: 1, max: 1 })).status).toBe(204); // nothing left
  });

  const result = (datum: string, outputs: unknown[], extra = {}) => ({ lease, datum, state: "success", tries: 1, duration_ms: 3, reason: null, outputs, logs: {}, ...extra });
  const report = async (results: unknown[], worker = "w1") => {
    const r = await post("/leases/results", { worker, results });
    return { status: r.status, body: (await r.json()) as any };
  };

  test("a report with a path that leaves /pfs/out, or writes a path twice, is refused whole (400)", async () => {
    const obj = { hash: sha("x"), size: 1, data: Buffer.from("x").toString("base64") };
    for (const p of ["/../../etc/passwd", "relative", "/a//b", "/a/./b", "/a\u0000b", "/" + "n".repeat(256)]) {
      const r = await report([result(items[0]!.id, [{ path: p, ...obj }])]);
      expect({ p, status: r.status }).toEqual({ p, status: 400 });
    }
    const twice = await report([result(items[0]!.id, [{ path: "/a", ...obj }, { path: "/a/b", ...obj }])]);
    expect(twice.status).toBe(400);
    expect(twice.body.error).toContain('"/a" is written twice, or as both a file and a folder');
    expect(settled).toEqual([]);
  });

  test("outputs must be stored objects of the stated hash and size; inline bytes must hash to what they claim", async () => {
    const d = items[0]!.id;
    const stored = await t.app.store.putBytes(new TextEncoder().encode("stored bytes"));
    await t.app.store.flush();
    const cases = [
      { path: "/o", hash: sha("never stored"), size: 12 },
      { path: "/o", hash: stored.hash, size: stored.size + 1 },
      { path: "/o", hash: sha("claimed"), size: 5, data: Buffer.from("other").toString("base64") },
    ];
    for (const o of cases) {
      const r = await report([result(d, [o])]);
      expect(r.body.results).toEqual([{ datum: d, status: "rejected", error: expect.stringMatching(/^output "\/o": /) }]);
    }
    expect(settled).toEqual([]);
  });

  test("a report never settles a datum of another lease, worker or job", async () => {
    const smuggled = { path: "/o", hash: sha("smuggled"), size: 8, data: Buffer.from("smuggled").toString("base64") };
    const r = await report([result(items[0]!.id, [smuggled], { lease: "ffff" }), result("0123abcd", [smuggled]), result(items[0]!.id, [smuggled], {})], "w2");
    expect(r.body.results.map((x: any) => x.status)).toEqual(["gone", "unknown", "unknown"]);
    expect(settled).toEqual([]);
    expect(await t.app.store.has(sha("smuggled"))).toBe(false); // nothing of it was even stored
  });

  test("a good report settles the datum once, stores inline outputs and writes the logs; the same report again is a duplicate", async () => {
    const d = items[0]!.id;
    const good = result(d, [{ path: "/out.txt", hash: sha("ALPHA\n"), size: 6, data: Buffer.from("ALPHA\n").toString("base64") }], { logs: { "1": "2026-01-01T00:00:00.000Z out hello\n" } });
    expect((await report([good])).body.results).toEqual([{ datum: d, status: "ok" }]);
    expect((await report([good])).body.results).toEqual([{ datum: d, status: "duplicate" }]);
    expect(settled.map(([id, o, w]) => [id, o.state, o.outputs, w])).toEqual([[d, "success", [{ path: "/out.txt", hash: sha("ALPHA\n"), size: 6 }], "w1"]]);
    await t.app.store.flush();
    expect(new TextDecoder().decode(await t.app.store.read(sha("ALPHA\n")))).toBe("ALPHA\n");
    expect(fs.readFileSync(path.join(t.app.settings.dataDir, "logs", "up", "job1", `${d}.1.log`), "utf8")).toBe("2026-01-01T00:00:00.000Z out hello\n");
  });

  test("objects go up only under their own hash, and come down whole", async () => {
    const put = (hash: string, body: string, length = true) =>
      api.request(`/api/v1/objects/${hash}`, { method: "PUT", body, headers: { Host: "127.0.0.1", ...auth, ...(length ? { "Content-Length": String(Buffer.byteLength(body)) } : {}) } });
    expect((await put(sha("right"), "right", false)).status).toBe(411); // nothing is buffered to count an unannounced body
    expect((await put(sha("right"), "wrong")).status).toBe(400);
    expect((await put("../../x", "x")).status).toBe(404);
    expect((await put(sha("right"), "right")).status).toBe(201);
    const got = await api.request(`/api/v1/objects/${sha("right")}`, { headers: { Host: "127.0.0.1", ...auth } });
    expect(await got.text()).toBe("right");
    expect((await api.request(`/api/v1/objects/${sha("right")}`, { headers: { Host: "127.0.0.1" } })).status).toBe(401);
    expect((await api.request(`/api/v1/objects/${sha("absent")}`, { headers: { Host: "127.0.0.1", ...auth } })).status).toBe(404);
  });

  test("GET /workers lists who holds what", async () => {
    const r = (await (await api.request("/api/v1/workers", { headers: { Host: "127.0.0.1" } })).json()) as any[];
    const w1 = r.find((w) => w.name === "w1");
    expect({ slots: w1.slots, state: w1.state, done: w1.datums_done, leases: w1.leases.map((l: any) => [l.job, l.datums]) }).toEqual({ slots: 2, state: "active", done: 1, leases: [["job1", 1]] });
  });
});
