// The HTTP API of calf serve (SPEC §7) through app.request() (no port): every
// endpoint's shape, pagination, the auth matrix, traversal attempts, the Host
// guard, the body limit, 405s, error bodies, and SSE resume.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp, type ApiDeps } from "../../src/api/app.ts";
import type { Hono } from "hono";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { runAll, useSandboxMode } from "../helpers/run.ts";
import { apiDeps } from "../helpers/serve.ts";
import type { JobRow } from "../../src/db/queries/jobs.ts";

useSandboxMode("none");

let t: TestApp;
let jobs: JobRow[];
const SPEC = `pipeline: {name: up}
transform:
  cmd: [sh, -c, '[ -d "$in" ] && exit 0; case $(basename $in) in bad*) echo "cannot do $(basename $in)" >&2; exit 3;; esac; tr a-z A-Z < $in > /pfs/out/$(basename $in)']
input: {pfs: {repo: in, glob: "/*"}}
datum_tries: 1
`;

beforeAll(async () => {
  t = await openTestApp();
  await t.app.repos.createRepo("in");
  await t.app.repos.createRepo("empty");
  t.spec("up", SPEC);
  for (const n of ["a", "b", "c"]) await putText(t.app.repos, "in", `/${n}`, `${n}${n}\n`);
  await putText(t.app.repos, "in", "/dir/deep.bin", "\u0000\u0001binary");
  const first = await runAll(t);
  await putText(t.app.repos, "in", "/bad1", "x\n");
  const second = await runAll(t);
  jobs = [...first.jobs, ...second.jobs];
}, 30_000);
afterAll(() => t?.close());

function make(over: Partial<ApiDeps> = {}): Hono {
  return createApp(apiDeps(t.app, over));
}
let local: Hono;
beforeAll(() => {
  local = make();
});
const get = (api: Hono, url: string, headers: Record<string, string> = {}) => api.request(url, { headers: { host: "127.0.0.1:7070", ...headers } });
const json = async (r: Response) => ({ status: r.status, body: await r.json() });

describe("health, readiness, metrics", () => {
  test("GET /healthz answers ok; /readyz is 503 until ready", async () => {
    expect(await json(await get(local, "/healthz"))).toEqual({ status: 200, body: { status: "ok" } });
    expect((await get(make({ ready: () => false }), "/readyz")).status).toBe(503);
    expect(await json(await get(local, "/readyz"))).toEqual({ status: 200, body: { status: "ready" } });
  });

  test("GET /metrics is Prometheus text with jobs by state and the last success per pipeline", async () => {
    const r = await get(local, "/metrics");
    expect(r.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    const text = await r.text();
    expect(text).toContain('calf_jobs{state="success"} 1');
    expect(text).toContain('calf_jobs{state="failure"} 1');
    expect(text).toMatch(/calf_last_success_timestamp_seconds\{pipeline="up"\} \d+(\.\d+)?/);
    expect(text).toContain("# TYPE calf_datum_duration_seconds histogram");
  });
});

describe("repos, commits, files", () => {
  test("GET /api/v1/repos lists repos in the §2.3 shape; /repos/:repo is one", async () => {
    const { body } = await json(await get(local, "/api/v1/repos"));
    expect(body.map((r: { name: string }) => r.name)).toEqual(["empty", "in", "up"]);
    expect(Object.keys(body[1]).sort()).toEqual(["created", "description", "head", "name", "size_bytes"]);
    expect((await json(await get(local, "/api/v1/repos/in"))).body.name).toBe("in");
    expect((await get(local, "/api/v1/repos/nosuch")).status).toBe(404);
  });

  test("GET /api/v1/repos/:repo/commits pages with limit and after, naming the next page in a Link header", async () => {
    const one = await get(local, "/api/v1/repos/in/commits?limit=2");
    const page1 = await one.json();
    expect(page1.map((c: { origin: string }) => c.origin)).toEqual(["user", "user"]);
    const link = one.headers.get("link")!;
    expect(link).toMatch(/^<\/api\/v1\/repos\/in\/commits\?limit=2&after=[0-9a-f]{32}>; rel="next"$/);
    const page2 = await (await get(local, link.slice(1, link.indexOf(">")))).json();
    expect(page2.length).toBe(2);
    expect(page2[0].id).toBe(page1[1].parent);
    const all = await (await get(local, "/api/v1/repos/in/commits")).json();
    expect(all.map((c: { id: string }) => c.id)).toEqual([...page1, ...page2, ...all.slice(4)].map((c: { id: string }) => c.id));
    expect((await get(local, "/api/v1/repos/in/commits?limit=0")).status).toBe(400);
  });

  test("GET /api/v1/repos/:repo/files lists a folder as §2.3 files (dirs end with /); /file serves bytes as an attachment", async () => {
    const { body } = await json(await get(local, "/api/v1/repos/in/files?path=/"));
    expect(body.map((f: { path: string }) => f.path)).toEqual(["/a", "/b", "/bad1", "/c", "/dir/"]);
    const r = await get(local, "/api/v1/repos/in/file?path=/dir/deep.bin");
    expect(r.status).toBe(200);
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(new TextEncoder().encode("\u0000\u0001binary"));
    expect(r.headers.get("content-type")).toBe("application/octet-stream");
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="deep.bin"; filename*=UTF-8''deep.bin`);
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test.each([
    ["/api/v1/repos/in/file?path=..%2f..%2fetc%2fpasswd"],
    ["/api/v1/repos/in/file?path=%2e%2e/%2e%2e/etc/passwd"],
    ["/api/v1/repos/in/file?path=..%5c..%5cetc%5cpasswd"],
    ["/api/v1/repos/in/file?path=//etc/passwd"],
    ["/api/v1/repos/..%2f..%2fetc/file?path=/passwd"],
    ["/api/v1/repos/in/file?path=/a&ref=..%2f..%2f"],
    ["/api/v1/repos/%2e%2e/file?path=/etc/passwd"],
  ])("GET %s never returns file bytes (4xx with a JSON error)", async (url) => {
    const r = await get(local, url);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    const body = await r.text();
    expect(body).not.toContain("root:");
    expect(JSON.parse(body).error).toBeString();
  });
});

describe("pipelines, jobs, datums, logs", () => {
  test("GET /api/v1/pipelines lists pipelines in the §2.3 shape, the spec file relative to the pipelines folder", async () => {
    const { body } = await json(await get(local, "/api/v1/pipelines"));
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ name: "up", state: "failing", version: 1, spec_file: "up.yaml", inputs: ["in"], output_repo: "up", last_job: jobs[1]!.id });
    const one = (await json(await get(local, "/api/v1/pipelines/up"))).body;
    expect(one.spec.transform.cmd[0]).toBe("sh");
    expect((await get(local, "/api/v1/pipelines/nosuch")).status).toBe(404);
  });

  test("GET /api/v1/jobs filters by pipeline and state, newest first; /jobs/:id takes a prefix", async () => {
    const all = (await json(await get(local, "/api/v1/jobs?pipeline=up"))).body;
    expect(all.map((j: { id: string; state: string }) => [j.id, j.state])).toEqual([[jobs[1]!.id, "failure"], [jobs[0]!.id, "success"]]);
    expect(all[0].datums).toEqual({ total: 5, processed: 0, skipped: 4, failed: 1, recovered: 0 }); // a, b, c, /dir skipped
    expect((await json(await get(local, "/api/v1/jobs?state=success"))).body.map((j: { id: string }) => j.id)).toEqual([jobs[0]!.id]);
    expect((await json(await get(local, `/api/v1/jobs/${jobs[0]!.id.slice(0, 8)}`))).body.id).toBe(jobs[0]!.id);
    expect((await get(local, "/api/v1/jobs?state=bogus")).status).toBe(400);
    expect((await get(local, "/api/v1/jobs?pipeline=nosuch")).status).toBe(404);
    expect((await get(local, "/api/v1/jobs/ffffffff")).status).toBe(404);
  });

  test("GET /api/v1/jobs/:id/datums pages and filters by state; /logs gives a failed datum's lines", async () => {
    const failed = (await json(await get(local, `/api/v1/jobs/${jobs[1]!.id}/datums?state=failed`))).body;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ state: "failed", inputs: [{ name: "in", repo: "in", path: "/bad1" }], tries: 1 });
    const page = await get(local, `/api/v1/jobs/${jobs[0]!.id}/datums?limit=2`);
    expect((await page.json()).length).toBe(2);
    expect(page.headers.get("link")).toContain("after=");
    const logs = (await json(await get(local, `/api/v1/logs?job=${jobs[1]!.id}&datum=${failed[0].id}`))).body;
    expect(logs.map((l: { stream: string; text: string }) => [l.stream, l.text])).toEqual([["err", "cannot do bad1"]]);
    expect(logs[0]).toMatchObject({ pipeline: "up", job: jobs[1]!.id, datum: failed[0].id, attempt: "1" });
    expect((await get(local, "/api/v1/logs?pipeline=nosuch")).status).toBe(404);
  });
});

describe("security", () => {
  test("a Host other than localhost, 127.0.0.1 or [::1] gets 403, unless allowed", async () => {
    for (const host of ["localhost:7070", "127.0.0.1", "[::1]:9"]) expect((await get(local, "/healthz", { host })).status).toBe(200);
    expect((await get(local, "/api/v1/repos", { host: "evil.example:7070" })).status).toBe(403);
    expect((await get(make({ allowHosts: ["calf.example.com"] }), "/healthz", { host: "calf.example.com:443" })).status).toBe(200);
  });

  test("no CORS headers unless an origin is configured", async () => {
    expect((await get(local, "/api/v1/repos", { origin: "https://x.example" })).headers.get("access-control-allow-origin")).toBeNull();
    const api = make({ corsOrigins: ["https://ok.example"] });
    expect((await get(api, "/api/v1/repos", { origin: "https://ok.example" })).headers.get("access-control-allow-origin")).toBe("https://ok.example");
    expect((await get(api, "/api/v1/repos", { origin: "https://x.example" })).headers.get("access-control-allow-origin")).toBeNull();
  });

  const put = (api: Hono, headers: Record<string, string>, body = "new\n") =>
    api.request("/api/v1/repos/empty/file?path=/from-api.txt&overwrite=true", { method: "PUT", body, headers: { host: "127.0.0.1", ...headers } });

  test("the auth matrix: mutations absent without a token (404); with one, 401 without or with a wrong token, done with the right one", async () => {
    expect((await put(local, {})).status).toBe(404);
    expect((await local.request("/api/v1/pipelines/up/stop", { method: "POST", headers: { host: "127.0.0.1" } })).status).toBe(404);
    const woken: string[] = [];
    const api = make({ token: "s3cret-token", wake: () => void woken.push("wake") });
    expect((await put(api, {})).status).toBe(401);
    expect((await put(api, { authorization: "Bearer wrong-token!" })).status).toBe(401);
    expect((await put(api, { authorization: "Bearer s3cret-tok" })).status).toBe(401);
    const ok = await put(api, { authorization: "Bearer s3cret-token" });
    expect(ok.status).toBe(201);
    expect((await ok.json()).repo).toBe("empty");
    const head = await t.app.repos.branchHead("empty", "master");
    expect(Buffer.from(await t.app.store.read((await t.app.repos.lookup(head!, "/from-api.txt"))!.hash)).toString()).toBe("new\n");
    expect(woken).toEqual(["wake"]);
    // Reads stay open on loopback; beyond it they need the token too.
    expect((await get(api, "/api/v1/repos")).status).toBe(200);
    const wide = make({ token: "s3cret-token", readsNeedToken: true });
    expect((await get(wide, "/api/v1/repos")).status).toBe(401);
    expect((await get(wide, "/metrics")).status).toBe(401);
    expect((await get(wide, "/api/v1/repos", { authorization: "Bearer s3cret-token" })).status).toBe(200);
    expect((await get(wide, "/healthz")).status).toBe(200);
  });

  test("POST run/stop/start with the token pause and resume a pipeline and mark it due", async () => {
    const api = make({ token: "tok" });
    const post = (action: string) => api.request(`/api/v1/pipelines/up/${action}`, { method: "POST", headers: { host: "127.0.0.1", authorization: "Bearer tok" } });
    expect((await post("stop")).status).toBe(202);
    expect((await json(await get(local, "/api/v1/pipelines/up"))).body.state).toBe("paused");
    expect((await post("start")).status).toBe(202);
    expect((await post("run")).status).toBe(202);
    expect((await post("explode")).status).toBe(404);
  });

  test("a body over the limit gets 413 and changes nothing", async () => {
    const api = make({ token: "tok", bodyLimitBytes: 100 });
    const r = await put(api, { authorization: "Bearer tok" }, "x".repeat(1000));
    expect(r.status).toBe(413);
    const head = await t.app.repos.branchHead("empty", "master");
    expect(Buffer.from(await t.app.store.read((await t.app.repos.lookup(head!, "/from-api.txt"))!.hash)).toString()).toBe("new\n");
  });

  test("an unknown method on a known path gets 405 with Allow; an unknown path 404; errors carry no stack or host path", async () => {
    const r = await local.request("/api/v1/repos", { method: "DELETE", headers: { host: "127.0.0.1" } });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toContain("GET");
    const nf = await get(local, "/api/v1/nothing");
    expect(nf.status).toBe(404);
    const text = JSON.stringify(await (await get(local, "/api/v1/repos/in/file?path=/nope")).json());
    expect(text).not.toContain(t.dir);
    expect(text).not.toMatch(/\n\s+at /);
  });
});

describe("events", () => {
  /** Reads SSE messages from a response until `n` data messages arrived. */
  async function read(r: Response, n: number): Promise<{ id: string | null; data: any }[]> {
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let buf = "";
    const out: { id: string | null; data: any }[] = [];
    while (out.length < n) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let cut: number;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const msg = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = /^data: (.*)$/m.exec(msg)?.[1];
        if (data) out.push({ id: /^id: (.*)$/m.exec(msg)?.[1] ?? null, data: JSON.parse(data) });
      }
    }
    await reader.cancel();
    return out;
  }

  test("GET /api/v1/events streams events with ids; Last-Event-ID resumes after it; an unknown one gets a reset", async () => {
    const deps = apiDeps(t.app);
    const api = createApp(deps);
    for (let i = 0; i < 3; i++) deps.hub.emit({ type: "job", job: { id: `j${i}` } as never });
    const resumed = await api.request("/api/v1/events", { headers: { host: "127.0.0.1", "last-event-id": "test.1" } });
    expect(resumed.headers.get("content-type")).toBe("text/event-stream");
    const got = await read(resumed, 2);
    expect(got.map((e) => [e.id, e.data.job.id])).toEqual([["test.2", "j1"], ["test.3", "j2"]]);
    const reset = await read(await api.request("/api/v1/events", { headers: { host: "127.0.0.1", "last-event-id": "other-serve.5" } }), 1);
    expect(reset[0]!.data).toEqual({ type: "reset" });
    // Live: an event emitted while a client listens reaches it.
    const live = api.request("/api/v1/events", { headers: { host: "127.0.0.1" } });
    const stream = await live;
    setTimeout(() => deps.hub.emit({ type: "commit", commit: { id: "c9" } as never }), 50);
    expect((await read(stream, 1))[0]!.data).toEqual({ type: "commit", commit: { id: "c9" } });
  });
});
