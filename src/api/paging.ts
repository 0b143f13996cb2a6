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

/**
 * A page of an in-memory list: the items after the one whose key is `after`,
 * at most `limit`. When that item is gone (deleted between two pages), a list
 * sorted by key goes on after where it was; any other list says so (a 400),
 * never the first page again (a client would loop for ever).
 */
export function pageOf<T>(items: T[], key: (t: T) => string, limit: number, after: string | undefined): T[] {
  if (after === undefined) return items.slice(0, limit);
  let start = items.findIndex((t) => key(t) === after) + 1;
  if (start === 0) {
    const keys = items.map(key);
    if (keys.some((k, i) => i > 0 && keys[i - 1]! > k)) {
      throw usageError(`no item "${after.slice(0, 200)}" to page after: it is gone since the last page`, "start again from the first page (leave out after=)");
    }
    start = keys.findIndex((k) => k > after);
    if (start < 0) start = items.length;
  }
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
