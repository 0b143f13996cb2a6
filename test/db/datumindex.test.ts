import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import * as path from "node:path";
import { openDb, type Db } from "../../src/db/client.ts";
import { dropIndex, indexedDatums, indexedInState, indexHead, ownersOf, patchIndex, writeIndex, type IndexedDatum } from "../../src/db/queries/datumindex.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

let dir: string;
let db: Db;
beforeEach(async () => {
  dir = tempDir();
  db = await openDb(`file:${path.join(dir, "calf.db")}`);
});
afterEach(() => {
  db.close();
  removeDir(dir);
});

const datum = (id: string, outputs: string[], state = "success"): IndexedDatum => ({ id, hash: `h-${id}`, sortKey: [`/${id}`], state, outputs });

describe("datum index", () => {
  test("writeIndex() replaces a pipeline's whole index and leaves other pipelines alone", async () => {
    await db.write((tx) => writeIndex(tx, "other", { job: "o1", planKey: "k" }, [datum("x", ["/x"])], new Map([["/x", ["x"]]])));
    await db.write((tx) => writeIndex(tx, "p", { job: "j1", planKey: "k1" }, [datum("a", ["/a", "/all"]), datum("b", ["/all"])], new Map([["/a", ["a"]], ["/all", ["a", "b"]]])));
    await db.write((tx) => writeIndex(tx, "p", { job: "j2", planKey: "k2" }, [datum("c", ["/c"])], new Map([["/c", ["c"]]])));
    expect(await indexHead(db, "p")).toEqual({ job: "j2", planKey: "k2" });
    expect([...(await indexedDatums(db, "p", ["a", "b", "c"])).keys()]).toEqual(["c"]);
    expect(await ownersOf(db, "p", ["/a", "/all", "/c"])).toEqual(new Map([["/c", ["c"]]]));
    expect(await indexedDatums(db, "other", ["x"])).toEqual(new Map([["x", datum("x", ["/x"])]]));
  });

  test("patchIndex() removes, upserts and deletes owner rows left without writers, then moves the head", async () => {
    await db.write((tx) => writeIndex(tx, "p", { job: "j1", planKey: "k" }, [datum("a", ["/a", "/all"]), datum("b", ["/b", "/all"])], new Map([["/a", ["a"]], ["/b", ["b"]], ["/all", ["a", "b"]]])));
    await db.write((tx) => patchIndex(tx, "p", { job: "j2", planKey: "k" }, {
      remove: ["a"], upsert: [datum("b", ["/all"]), datum("r", [], "recovered")], owners: new Map([["/a", null], ["/b", []], ["/all", ["b"]]]),
    }));
    expect(await indexHead(db, "p")).toEqual({ job: "j2", planKey: "k" });
    expect(await indexedDatums(db, "p", ["a", "b", "r"])).toEqual(new Map([["b", datum("b", ["/all"])], ["r", datum("r", [], "recovered")]]));
    expect(await indexedInState(db, "p", "recovered")).toEqual([datum("r", [], "recovered")]);
    expect(await ownersOf(db, "p", ["/a", "/b", "/all"])).toEqual(new Map([["/all", ["b"]]]));
  });

  test("indexedDatums() and ownersOf() read more keys than one statement takes", async () => {
    const many = Array.from({ length: 1000 }, (_, i) => datum(`d${i}`, [`/o${i}`]));
    await db.write((tx) => writeIndex(tx, "p", { job: "j", planKey: "k" }, many, new Map(many.map((d) => [d.outputs[0]!, [d.id]]))));
    expect((await indexedDatums(db, "p", many.map((d) => d.id))).size).toBe(1000);
    expect((await ownersOf(db, "p", many.map((d) => d.outputs[0]!))).size).toBe(1000);
  });

  test("dropIndex() forgets the head, datums and owners of one pipeline", async () => {
    await db.write((tx) => writeIndex(tx, "p", { job: "j", planKey: "k" }, [datum("a", ["/a"])], new Map([["/a", ["a"]]])));
    await db.write((tx) => dropIndex(tx, "p"));
    expect(await indexHead(db, "p")).toBeUndefined();
    expect((await indexedDatums(db, "p", ["a"])).size).toBe(0);
    expect((await ownersOf(db, "p", ["/a"])).size).toBe(0);
  });
});
