// calf serve's HTTP surface attacked from outside, over real sockets (the API
// served on 127.0.0.1, raw HTTP where a client library would tidy the attack
// up): bodies sent to be buffered before the token is checked, Host headers
// no browser sends, an event-stream client that stops reading, and the
// status page's Content-Security-Policy.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { ApiDeps } from "../../src/api/app.ts";
import { MAX_STREAMS } from "../../src/api/routes/events.ts";
import { LeaseQueue } from "../../src/run/leases.ts";
import { pageScript } from "../../src/view/page.ts";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { serveApi, type ServedApi } from "../helpers/serve.ts";

const TOKEN = "attack-test-token";
let t: TestApp;
const served: ServedApi[] = [];

beforeAll(async () => {
  t = await openTestApp();
  await t.app.repos.createRepo("d");
  await putText(t.app.repos, "d", "/a", "alpha\n");
});
afterAll(async () => {
  for (const s of served.splice(0)) await s.close();
  t?.close();
});

async function serve(over: Partial<ApiDeps> = {}): Promise<{ s: ServedApi; port: number }> {
  const s = await serveApi(t.app, over);
  served.push(s);
  return { s, port: Number(new URL(s.url).port) };
}

/** A raw connection to `port` that writes `head`, then whatever the test writes; `answer` is the first response's status line and body (null after `ms`). */
async function raw(port: number, head: string) {
  const sock = net.connect({ port, host: "127.0.0.1" });
  sock.on("error", () => {});
  let got = "";
  const waiters = new Set<() => void>();
  sock.on("data", (d) => {
    got += String(d);
    for (const w of waiters) w();
  });
  sock.on("close", () => {
    for (const w of waiters) w();
  });
  await new Promise((r) => sock.once("connect", r));
  sock.write(head);
  return {
    sock,
    /** Bytes read so far. */
    received: () => got.length,
    async answer(ms: number): Promise<{ status: number; body: string } | null> {
      const end = Date.now() + ms;
      while (!/\r\n\r\n/.test(got) && Date.now() < end && !sock.destroyed) {
        await new Promise<void>((r) => {
          const w = () => (waiters.delete(w), r());
          waiters.add(w);
          setTimeout(w, 50);
        });
      }
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      return m ? { status: Number(m[1]), body: got.slice(got.indexOf("\r\n\r\n") + 4) } : null;
    },
  };
}

describe("bodies are not read before the token is checked", () => {
  // A chunked body that never ends: with a body limit checked first, serve buffers it (up to the
  // limit, 256 MiB by default, per connection) before anyone looks at the token.
  const chunked = (method: string, path: string) =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\n${"x".repeat(0x4000)}\r\n`;

  test("an unauthenticated PUT or POST is answered 401 (404 when serve takes no changes) while its body is still coming", async () => {
    const queue = new LeaseQueue({ now: () => Date.now(), newId: () => "ab" });
    const guarded = await serve({ token: TOKEN, queue });
    const open = await serve();
    const cases: [number, string, string, number][] = [
      [guarded.port, "PUT", "/api/v1/repos/d/file?path=/x", 401],
      [guarded.port, "POST", "/api/v1/pipelines/p/run", 401],
      [guarded.port, "POST", "/api/v1/leases/results", 401],
      [guarded.port, "PUT", `/api/v1/objects/${"0".repeat(64)}`, 401],
      [open.port, "PUT", "/api/v1/repos/d/file?path=/x", 404],
    ];
    for (const [port, method, path, want] of cases) {
      const c = await raw(port, chunked(method, path));
      const a = await c.answer(3000);
      c.sock.destroy();
      expect({ method, path, status: a?.status ?? "no answer while the body was open" }).toEqual({ method, path, status: want });
    }
    queue.close();
  });

  test("a PUT that announces a body over the limit gets 401 without the token, 413 with it (the token is checked first)", async () => {
    const { port } = await serve({ token: TOKEN, bodyLimitBytes: 1000 });
    for (const [auth, want] of [["", 401], [`Authorization: Bearer ${TOKEN}\r\n`, 413]] as const) {
      const c = await raw(port, `PUT /api/v1/repos/d/file?path=/x HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Length: 1000000\r\n\r\nxx`);
      const a = await c.answer(3000);
      c.sock.destroy();
      expect({ auth: auth !== "", status: a?.status }).toEqual({ auth: auth !== "", status: want });
    }
  });

  test("with the token, a chunked body over the limit still gets 413", async () => {
    const { port } = await serve({ token: TOKEN, bodyLimitBytes: 1000 });
    const c = await raw(port, `PUT /api/v1/repos/d/file?path=/x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${"x".repeat(0x800)}\r\n`);
    const a = await c.answer(3000);
    c.sock.destroy();
    expect(a?.status).toBe(413);
    expect(await t.app.repos.lookup((await t.app.repos.branchHead("d", "master"))!, "/x")).toBeNull();
  });
});

describe("PUT file streams its body", () => {
  test("the bytes reach the store's temp file while the request is still coming, and the file is committed whole", async () => {
    const { port } = await serve({ token: TOKEN, bodyLimitBytes: 1 << 20 });
    const tmp = path.join(t.app.settings.dataDir, "tmp");
    const temps = () => (fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((n) => n.startsWith("obj-")) : []).map((n) => fs.statSync(path.join(tmp, n)).size);
    const before = temps().length;
    const half = "y".repeat(0x10000);
    const c = await raw(port, `PUT /api/v1/repos/d/file?path=/streamed HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n${half}\r\n`);
    let seen = 0;
    for (let i = 0; i < 100 && seen < 0x10000; i++) {
      await new Promise((r) => setTimeout(r, 20));
      seen = Math.max(0, ...temps());
    }
    expect(seen).toBe(0x10000); // held by no one but the store's temp file, before the body ended
    expect(c.received()).toBe(0); // no answer yet: the request is still open
    c.sock.write(`10000\r\n${half}\r\n0\r\n\r\n`);
    expect((await c.answer(5000))?.status).toBe(201);
    c.sock.destroy();
    const head = (await t.app.repos.branchHead("d", "master"))!;
    expect((await t.app.repos.lookup(head, "/streamed"))?.size).toBe(0x20000);
    expect(temps().length).toBe(before);
  });

  test("a chunked body passing the limit midway gets 413, and no temp file is left", async () => {
    const { port } = await serve({ token: TOKEN, bodyLimitBytes: 0x18000 });
    const tmp = path.join(t.app.settings.dataDir, "tmp");
    const temps = () => (fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((n) => n.startsWith("obj-")) : []);
    const before = temps().length;
    const chunk = `10000\r\n${"z".repeat(0x10000)}\r\n`;
    const c = await raw(port, `PUT /api/v1/repos/d/file?path=/toolarge HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}`);
    expect((await c.answer(5000))?.status).toBe(413);
    c.sock.destroy();
    expect(await t.app.repos.lookup((await t.app.repos.branchHead("d", "master"))!, "/toolarge")).toBeNull();
    expect(temps().length).toBe(before);
  });
});

describe("Host header tricks", () => {
  test("a Host that is not a host name with an optional port gets 403, not the loopback's pass or a 500", async () => {
    const { port } = await serve();
    for (const host of ["localhost:80@evil.example", "[::1]evil.example", "localhost:80/x", "localhost:abc", "127.0.0.1:7070:1", "[::1", "localhost:80 evil.example"]) {
      const c = await raw(port, `GET /api/v1/repos HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      const a = await c.answer(3000);
      c.sock.destroy();
      expect({ host, status: a?.status }).toEqual({ host, status: 403 });
      expect(JSON.parse(a!.body).error).toMatch(/^host .* is not allowed$/);
    }
    for (const host of ["localhost:7070", "127.0.0.1", "[::1]:9", "LOCALHOST"]) {
      const c = await raw(port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect({ host, status: (await c.answer(3000))?.status }).toEqual({ host, status: 200 });
      c.sock.destroy();
    }
  });
});

describe("the event stream", () => {
  test("a client that stops reading is let go once it falls far behind (serve does not queue the stream for it for ever)", async () => {
    const { s, port } = await serve();
    const slow = await raw(port, "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect((await slow.answer(3000))?.status).toBe(200);
    slow.sock.pause(); // reads nothing more: the kernel's buffers fill, then serve's queue would
    const reader = await fetch(`${s.url}/api/v1/events`);
    const body = reader.body!.getReader();
    let bytes = 0;
    const reading = (async () => {
      for (;;) {
        const { done, value } = await body.read();
        if (done) return;
        bytes += value.byteLength;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    expect(s.hub.subscribers).toBe(2);
    const message = "m".repeat(1000);
    for (let i = 0; i < 20_000; i++) {
      s.hub.emit({ type: "specs", ok: false, message });
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(s.hub.subscribers).toBe(1); // the reader stays
    expect(bytes).toBeGreaterThan(20_000 * 1000);
    // The slow client, reading again, gets what was already on its way and then the connection ends: not the 20 MB.
    const closed = new Promise<boolean>((r) => slow.sock.once("close", () => r(true)));
    slow.sock.resume();
    expect(await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 5000))])).toBe(true);
    expect(slow.received()).toBeLessThan(10_000 * 1000);
    slow.sock.destroy();
    await body.cancel();
    await reading;
  }, 30_000);
});

describe("event streams at once", () => {
  test(`at most ${MAX_STREAMS} are open: the next gets 503 with a hint, and a closed one frees its place`, async () => {
    const { s, port } = await serve();
    const open = [];
    for (let i = 0; i < MAX_STREAMS; i++) open.push(await raw(port, "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    for (const c of open) expect((await c.answer(5000))?.status).toBe(200);
    const over = await raw(port, "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const refused = await over.answer(5000);
    expect(refused?.status).toBe(503);
    expect(JSON.parse(refused!.body.slice(refused!.body.indexOf("{"))).hint).toContain("close");
    over.sock.destroy();
    open.pop()!.sock.destroy();
    let again = null;
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const c = await raw(port, "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      again = await c.answer(5000);
      c.sock.destroy();
    }
    expect(again?.status).toBe(200);
    for (const c of open) c.sock.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(s.hub.subscribers).toBe(0);
  }, 30_000);
});

describe("logs", () => {
  test("GET /api/v1/logs over a 5 GiB log (a chatty transform's; sparse here) answers its last lines, reading only its end", async () => {
    const { s } = await serve();
    const dir = path.join(t.app.settings.dataDir, "logs", "huge", "j1");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "d1.1.log");
    fs.writeFileSync(file, "");
    fs.truncateSync(file, 5 * 2 ** 30);
    fs.appendFileSync(file, "\n2026-12-04T10:00:00.000Z out last but one\n2026-12-04T10:00:00.001Z err last\n");
    try {
      const r = await fetch(`${s.url}/api/v1/logs?tail=2`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { text: string; datum: string }[]).map((l) => [l.datum, l.text])).toEqual([["d1", "last but one"], ["d1", "last"]]);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true });
    }
  });
});

describe("the status page", () => {
  test("GET / has a Content-Security-Policy that runs only the page's own script and talks only to this serve", async () => {
    const { s } = await serve();
    const r = await fetch(`${s.url}/`);
    const csp = r.headers.get("content-security-policy") ?? "";
    const directives = new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
    const hash = `'sha256-${new Bun.CryptoHasher("sha256").update(pageScript()).digest("base64")}'`;
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("script-src")).toEqual([hash]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("base-uri")).toEqual(["'none'"]);
    expect(directives.get("form-action")).toEqual(["'none'"]);
    expect(await r.text()).toContain(`<script>${pageScript()}</script>`);
  });
});
