// Test helper: a small stand-in for `calf serve`'s read API (SPEC §7) over a
// real App, on 127.0.0.1 and a free port: GET / (the page), the /api/v1/*
// reads the page uses, and an SSE stream the test pushes events into.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { App } from "../../src/app.ts";
import { commitJson, datumJson, fileJson, jobJson, repoJson } from "../../src/cli/json.ts";
import { datumLogTail, pipelineViews } from "../../src/cli/viewdata.ts";
import { listDatums, listJobs } from "../../src/db/queries/jobs.ts";
import { SSE_KEEPALIVE, sseFrame, type ViewEvent } from "../../src/view/events.ts";
import { pageHtml } from "../../src/view/page.ts";

export interface FakeApi {
  url: string;
  /** Sends an event to every open /api/v1/events stream. */
  push(ev: ViewEvent): void;
  /** Paths requested so far (with their query). */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeApi(app: App): Promise<FakeApi> {
  const streams = new Set<http.ServerResponse>();
  const requests: string[] = [];
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const routes: [RegExp, (m: string[], q: URLSearchParams, res: http.ServerResponse) => Promise<void>][] = [
    [/^\/$/, async (_m, _q, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(pageHtml());
    }],
    [/^\/api\/v1\/pipelines$/, async (_m, _q, res) => json(res, 200, await pipelineViews(app))],
    [/^\/api\/v1\/repos$/, async (_m, _q, res) => json(res, 200, (await app.repos.listRepos()).map(repoJson))],
    [/^\/api\/v1\/repos\/([^/]+)\/commits$/, async ([repo], q, res) =>
      json(res, 200, (await app.repos.listCommits(repo!, "master", Number(q.get("limit") ?? 0) || undefined)).map(commitJson))],
    [/^\/api\/v1\/repos\/([^/]+)\/files$/, async ([repo], q, res) => {
      const c = await app.repos.resolve(repo!, q.get("ref") ?? "master");
      json(res, 200, (await app.repos.listDir(c, q.get("path") ?? "/", false)).map(fileJson));
    }],
    [/^\/api\/v1\/repos\/([^/]+)\/file$/, async ([repo], q, res) => {
      const c = await app.repos.resolve(repo!, q.get("ref") ?? "master");
      const e = await app.repos.lookup(c, q.get("path") ?? "");
      if (!e || e.type !== "file") return json(res, 404, { error: "no such file" });
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(Buffer.from(await app.store.read(e.hash)));
    }],
    [/^\/api\/v1\/jobs$/, async (_m, q, res) =>
      json(res, 200, (await listJobs(app.db, { pipeline: q.get("pipeline") ?? undefined, limit: Number(q.get("limit") ?? 0) || undefined })).map(jobJson))],
    [/^\/api\/v1\/jobs\/([0-9a-f]+)\/datums$/, async ([job], q, res) =>
      json(res, 200, (await listDatums(app.db, job!)).filter((d) => !q.get("state") || d.state === q.get("state")).map(datumJson))],
    [/^\/api\/v1\/logs$/, async (_m, q, res) => {
      const job = (await listJobs(app.db)).find((j) => j.id === q.get("job"));
      if (!job) return json(res, 404, { error: "no such job" });
      json(res, 200, datumLogTail(app.settings.dataDir, job.pipeline, job.id, q.get("datum") ?? "", Number(q.get("tail") ?? 200)));
    }],
    [/^\/api\/v1\/events$/, async (_m, _q, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      res.write(SSE_KEEPALIVE);
      streams.add(res);
      res.on("close", () => streams.delete(res));
    }],
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url.pathname + url.search);
    const route = req.method === "GET" ? routes.find(([re]) => re.test(url.pathname)) : undefined;
    if (!route) return json(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    const m = route[0].exec(url.pathname)!.slice(1).map(decodeURIComponent);
    route[1](m, url.searchParams, res).catch((err: Error) => json(res, 500, { error: err.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    push(ev) {
      for (const s of streams) s.write(sseFrame(ev));
    },
    async close() {
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
