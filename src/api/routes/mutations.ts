// The token-guarded mutations (SPEC §7): put a file, run a pipeline now,
// pause and resume one. Without CALF_API_TOKEN they do not exist (404); with
// it, a request without the token gets 401.
import { Hono, type Context } from "hono";
import { getPipeline, setForceDue, setPaused } from "../../db/queries/pipelines.ts";
import { notFound, usageError } from "../../errors.ts";
import { putFile } from "../../repo/files.ts";
import { normalizePath } from "../../repo/paths.ts";
import { commitJson } from "../../shapes.ts";
import type { ApiDeps } from "../deps.ts";
import { limitBody, requireToken, tooLarge } from "../guard.ts";

export function mutationRoutes(deps: ApiDeps): Hono {
  const r = new Hono();
  const { app } = deps;
  const disabled = (c: { json: (b: unknown, s: 404) => Response }) =>
    c.json({ error: "this calf serve takes no changes over HTTP", hint: "set CALF_API_TOKEN for serve to enable PUT and POST" }, 404);
  if (!deps.token) {
    r.put("/repos/:repo/file", disabled);
    r.post("/pipelines/:name/:action", disabled);
    return r;
  }
  r.use(requireToken(deps.token)); // the token first: no body is read before it
  const over = (c: Context) => tooLarge(c, deps.bodyLimitBytes, "serve --body-limit BYTES takes bigger files");
  r.put("/repos/:repo/file", async (c) => {
    const announced = c.req.header("content-length");
    if (announced !== undefined && Number(announced) > deps.bodyLimitBytes) return over(c);
    const repo = c.req.param("repo");
    await app.repos.requireRepo(repo);
    const raw = c.req.query("path");
    if (!raw) throw usageError("a file path is required", "add ?path=/name");
    const p = normalizePath(raw);
    if (p === "/") throw usageError(`"${raw}" is the repo's root, not a file path`);
    // Streamed into the store as it arrives (never held whole), counted on the way: over the limit, the object is dropped.
    const stdin = limited(c.req.raw.body, deps.bodyLimitBytes);
    let commit;
    try {
      commit = await putFile(app.repos, repo, c.req.query("branch") ?? "master", p, "-", {
        recursive: false, overwrite: c.req.query("overwrite") === "true", message: c.req.query("message"), stdin,
      });
    } catch (err) {
      if (err instanceof BodyTooLarge) return over(c);
      throw err;
    }
    deps.wake();
    return c.json(commitJson(commit), commit.unchanged ? 200 : 201);
  });
  r.post("/pipelines/:name/:action", limitBody(deps.bodyLimitBytes), async (c) => {
    const name = c.req.param("name");
    const action = c.req.param("action");
    if (!(await getPipeline(app.db, name))) throw notFound(`pipeline "${name}" does not exist`);
    if (action === "run") await setForceDue(app.db, name, true);
    else if (action === "stop" || action === "start") await setPaused(app.db, name, action === "stop");
    else throw notFound(`no such action "${action}" (run, stop or start)`);
    deps.wake();
    return c.json({ pipeline: name, action }, 202);
  });
  return r;
}

class BodyTooLarge extends Error {}

/** A request body's chunks, failing with BodyTooLarge once they pass `max` bytes. */
async function* limited(body: ReadableStream<Uint8Array> | null, max: number): AsyncIterable<Uint8Array> {
  if (!body) return;
  let n = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    n += chunk.byteLength;
    if (n > max) throw new BodyTooLarge();
    yield chunk;
  }
}
