// What every request to `calf serve` passes before a route sees it (SPEC §7):
// the Host guard against DNS rebinding, the bearer token (compared in
// constant time), CORS only for configured origins; and how errors leave:
// one JSON line, the CalfError's words or "internal error", never a stack
// trace or a host path.
import { timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { CalfError, exitCodeOf } from "../errors.ts";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** The host name of a Host header (`name:port`, `[v6]:port`), lower-cased. */
export function hostName(header: string | undefined): string {
  if (!header) return "";
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** 403 unless the Host is a loopback name or one of `allowed` (any port). */
export function hostGuard(allowed: string[]): MiddlewareHandler {
  const ok = new Set([...LOCAL_HOSTS, ...allowed.map((a) => a.toLowerCase())]);
  return async (c, next) => {
    const name = hostName(c.req.header("host"));
    if (!ok.has(name)) return c.json({ error: `host "${name}" is not allowed`, hint: "serve with --allow-host NAME to allow it" }, 403);
    await next();
  };
}

/** Whether `given` (an Authorization header) carries exactly `token`, compared in constant time. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(given ?? "");
  const a = Buffer.from(m?.[1] ?? "");
  const b = Buffer.from(token);
  // Compare equal lengths only; a length mismatch still costs a comparison.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length;
}

/** 401 unless the request carries the token. */
export function requireToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (!tokenMatches(c.req.header("authorization"), token)) {
      c.header("WWW-Authenticate", 'Bearer realm="calf"');
      return c.json({ error: "a valid API token is required", hint: "send Authorization: Bearer $CALF_API_TOKEN" }, 401);
    }
    await next();
  };
}

/** Access-Control-* headers for the configured origins only (no CORS at all by default). */
export function cors(origins: string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin && allowed.has(origin)) {
      c.header("Access-Control-Allow-Origin", origin);
      c.header("Vary", "Origin");
      c.header("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID");
      c.header("Access-Control-Allow-Methods", "GET, PUT, POST");
      if (c.req.method === "OPTIONS") return c.body(null, 204);
    }
    await next();
  };
}

/** CalfError codes as HTTP statuses: the API's one mapping (the CLI's is exitCodeOf). */
export function statusOf(err: unknown): 400 | 404 | 409 | 423 | 500 {
  if (!(err instanceof CalfError)) return 500;
  switch (err.code) {
    case "not_found":
      return 404;
    case "conflict":
      return 409;
    case "locked":
      return 423;
    default:
      return exitCodeOf(err) === 2 ? 400 : 500;
  }
}

/** The error response: the CalfError's message and hint, or a bare "internal error" (details go to the log). */
export function errorResponse(c: Context, err: unknown, log: (line: string) => void) {
  const status = statusOf(err);
  if (err instanceof CalfError && status !== 500) return c.json({ error: err.message, ...(err.hint ? { hint: err.hint } : {}) }, status);
  log(`calf: API ${c.req.method} ${new URL(c.req.url).pathname}: ${(err as Error)?.message ?? String(err)}`);
  return c.json({ error: "internal error" }, 500);
}
