// What every request to `calf serve` passes before a route sees it (SPEC §7):
// the Host guard against DNS rebinding, the bearer token (compared in
// constant time), CORS only for configured origins; and how errors leave:
// one JSON line, the CalfError's words or "internal error", never a stack
// trace or a host path.
import { timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { CalfError, exitCodeOf } from "../errors.ts";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * A Host header as RFC 9110 has it: a name or IPv4 address, or an [IPv6]
 * literal, then an optional port ("_" too: Docker's service names have it).
 */
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?::\d{1,5})?$/;

/** The host name of a Host header (`name:port`, `[v6]:port`), lower-cased; "" when it is not a Host at all. */
export function hostName(header: string | undefined): string {
  return HOST.exec((header ?? "").trim().toLowerCase())?.[1] ?? "";
}

/** 403 unless the Host is a loopback name or one of `allowed` (any port). */
export function hostGuard(allowed: string[]): MiddlewareHandler {
  const ok = new Set([...LOCAL_HOSTS, ...allowed.map((a) => a.toLowerCase())]);
  return async (c, next) => {
    const header = c.req.header("host") ?? "";
    const name = hostName(header);
    if (!ok.has(name)) return c.json({ error: `host ${JSON.stringify(name || header.slice(0, 100))} is not allowed`, hint: "serve with --allow-host NAME to allow it" }, 403);
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

/**
 * 413 for a body over `maxSize` bytes. Hono reads a body without a
 * Content-Length into memory to count it: use it only after the token check.
 */
export const limitBody = (maxSize: number): MiddlewareHandler => bodyLimit({ maxSize, onError: (c) => tooLarge(c, maxSize) });

/** The 413 of a body over `maxSize` bytes. */
export const tooLarge = (c: Context, maxSize: number, hint?: string) =>
  c.json({ error: `request body over ${maxSize} bytes`, ...(hint ? { hint } : {}) }, 413);

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
  log(`calf: API ${c.req.method} ${c.req.path}: ${(err as Error)?.message ?? String(err)}`);
  return c.json({ error: "internal error" }, 500);
}
