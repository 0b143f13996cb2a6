// pageOf (api/paging.ts): pages of a list by the key of the last item seen;
// a cursor whose item was deleted between two pages never restarts the list.
import { describe, expect, test } from "bun:test";
import { pageOf } from "../../src/api/paging.ts";
import { CalfError } from "../../src/errors.ts";

const id = (s: string) => s;

describe("pageOf", () => {
  test("pages through a list by the last key, at most limit at a time", () => {
    const items = ["a", "b", "c", "d", "e"];
    expect(pageOf(items, id, 2, undefined)).toEqual(["a", "b"]);
    expect(pageOf(items, id, 2, "b")).toEqual(["c", "d"]);
    expect(pageOf(items, id, 2, "d")).toEqual(["e"]);
    expect(pageOf(items, id, 2, "e")).toEqual([]);
  });

  test("a sorted list whose cursor item is gone goes on after where it was, not from the start", () => {
    const items = ["a", "b", "d", "e"]; // c was deleted after the client saw it
    expect(pageOf(items, id, 2, "c")).toEqual(["d", "e"]);
    expect(pageOf(items, id, 2, "z")).toEqual([]);
    expect(pageOf(items, id, 2, "0")).toEqual(["a", "b"]);
  });

  test("an unsorted list whose cursor item is gone is a usage error (400) naming the cursor and the fix", () => {
    const items = ["b", "a", "c"];
    let err: unknown;
    try {
      pageOf(items, id, 2, "x");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CalfError);
    expect((err as CalfError).message).toContain('"x"');
    expect((err as CalfError).hint).toContain("first page");
    expect(pageOf(items, id, 2, "a")).toEqual(["c"]); // a present cursor still works
  });
});
