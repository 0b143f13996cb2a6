import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { saveResults } from "../../src/db/queries/results.ts";
import { referencedObjects } from "../../src/repo/referenced.ts";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
let t: TestApp;
afterEach(() => t.close());

describe("referencedObjects()", () => {
  test.each([1000, 2])("names every file of every commit, old ones included, and every cached result's outputs, once each (page size %d)", async (page) => {
    t = await openTestApp();
    await t.app.repos.createRepo("in");
    await putText(t.app.repos, "in", "/a", "one");
    await putText(t.app.repos, "in", "/a", "two", { overwrite: true });
    await putText(t.app.repos, "in", "/dir/b", "three");
    await putText(t.app.repos, "in", "/dir/c", "one");
    await t.app.db.write((tx) => saveResults(tx, "p", "job1", [
      { hash: "d1", datum: "x", outputs: [{ path: "/o", hash: sha("only in a cached result"), size: 23 }] },
      { hash: "d2", datum: "y", outputs: [{ path: "/o", hash: sha("three"), size: 5 }] },
    ]));
    expect(await referencedObjects(t.app.db, page)).toEqual([sha("one"), sha("two"), sha("three"), sha("only in a cached result")].sort());
  });
});
