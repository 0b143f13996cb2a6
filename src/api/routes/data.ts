// Repos, commits and files (SPEC §7): listings as §2.3 JSON, and a file's
// bytes looked up in the store by repo, ref and path (never by joining a
// user path onto a folder), verified against their hash as they stream.
import { Hono } from "hono";
import type { App } from "../../app.ts";
import { failed, notFound, usageError } from "../../errors.ts";
import { normalizePath } from "../../repo/paths.ts";
import { commitJson, fileJson, repoJson } from "../../shapes.ts";
import { limitOf, linkNext, pageOf } from "../paging.ts";

export function dataRoutes(app: App): Hono {
  const r = new Hono();
  const repo = async (name: string) => {
    await app.repos.requireRepo(name);
    return name;
  };
  const pathOf = (raw: string | undefined) => normalizePath(raw ?? "/");

  r.get("/repos", async (c) => {
    const limit = limitOf(c);
    const page = pageOf(await app.repos.listRepos(), (x) => x.name, limit, c.req.query("after"));
    linkNext(c, page, limit, (x) => x.name);
    return c.json(page.map(repoJson));
  });

  r.get("/repos/:repo", async (c) => {
    const name = await repo(c.req.param("repo"));
    return c.json(repoJson((await app.repos.listRepos()).find((x) => x.name === name)!));
  });

  r.get("/repos/:repo/commits", async (c) => {
    const name = await repo(c.req.param("repo"));
    const limit = limitOf(c);
    const page = await app.repos.listCommits(name, c.req.query("branch") ?? "master", limit, c.req.query("after"));
    linkNext(c, page, limit, (x) => x.id);
    return c.json(page.map(commitJson));
  });

  r.get("/repos/:repo/files", async (c) => {
    const name = await repo(c.req.param("repo"));
    const commit = await app.repos.resolve(name, c.req.query("ref") ?? "master");
    const limit = limitOf(c);
    const all = await app.repos.listDir(commit, pathOf(c.req.query("path")), c.req.query("recursive") === "true");
    const page = pageOf(all, (e) => e.path, limit, c.req.query("after"));
    linkNext(c, page, limit, (e) => e.path);
    return c.json(page.map(fileJson));
  });

  r.get("/repos/:repo/file", async (c) => {
    const name = await repo(c.req.param("repo"));
    const ref = c.req.query("ref") ?? "master";
    const commit = await app.repos.resolve(name, ref);
    const p = pathOf(c.req.query("path"));
    const e = await app.repos.lookup(commit, p);
    if (!e) throw notFound(`path "${p}" does not exist in ${name}@${ref}`);
    if (e.type !== "file") throw usageError(`"${p}" is a directory`, "list it with /files?path=");
    const body = verified(app, e.hash, `${name}@${commit.id}:${p}`);
    const base = p.slice(p.lastIndexOf("/") + 1) || "file";
    return new Response(body, {
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(e.size),
        "Content-Disposition": `attachment; filename="${base.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(base)}`,
        "X-Content-Type-Options": "nosniff",
        "ETag": `"${e.hash}"`,
        "Cache-Control": "no-store",
      },
    });
  });
  return r;
}

/** The object's bytes as a stream that errors (instead of ending) when they do not hash to `hash`. */
function verified(app: App, hash: string, what: string): ReadableStream<Uint8Array> {
  const hasher = app.rt.sha256Hasher();
  const it = app.store.stream(hash)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      const { done, value } = await it.next();
      if (!done) {
        hasher.update(value);
        ctl.enqueue(value);
        return;
      }
      const got = hasher.digest();
      if (got === hash) ctl.close();
      else ctl.error(failed(`stored bytes of ${what} do not match their hash (${got} instead of ${hash})`, "run calf fsck"));
    },
    async cancel() {
      await it.return?.();
    },
  });
}
