// List endpoints are paginated (SPEC §7: `?limit=&after=`): a page is a JSON
// array, and when there may be more, a `Link: <...>; rel="next"` header names
// the next page (after = the last item's key). Limits are bounded.
import type { Context } from "hono";
import { usageError } from "../errors.ts";

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** `?limit=` as a number in 1..MAX_LIMIT (default DEFAULT_LIMIT); a bad one is a 400. */
export function limitOf(c: Context): number {
  const raw = c.req.query("limit");
  if (raw === undefined || raw === "") return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw usageError(`limit must be a whole number from 1 to ${MAX_LIMIT}, got "${raw}"`);
  return Math.min(n, MAX_LIMIT);
}

/** A page of an in-memory list ordered by `key`: the items after `after`, at most `limit`. */
export function pageOf<T>(items: T[], key: (t: T) => string, limit: number, after: string | undefined): T[] {
  const start = after === undefined ? 0 : items.findIndex((t) => key(t) === after) + 1;
  return items.slice(start, start + limit);
}

/** Sets the Link header to the next page when this one is full. */
export function linkNext<T>(c: Context, page: T[], limit: number, key: (t: T) => string): void {
  if (page.length < limit || page.length === 0) return;
  const url = new URL(c.req.url);
  url.searchParams.set("after", key(page[page.length - 1]!));
  url.searchParams.set("limit", String(limit));
  c.header("Link", `<${url.pathname}${url.search}>; rel="next"`);
}
