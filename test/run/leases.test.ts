// LeaseQueue (run/leases.ts): local slots and leases share one queue; a lapsed
// lease puts its unreported datums back; the first report of a datum wins; a
// report never settles a datum outside its lease; a datum lost too often fails.
import { describe, expect, test } from "bun:test";
import type { DatumOutcome } from "../../src/run/datum.ts";
import type { DatumInput } from "../../src/plan/types.ts";
import type { PlanItem } from "../../src/run/items.ts";
import { LeaseQueue, type QueueJob } from "../../src/run/leases.ts";
import type { PipelineSpec } from "../../src/spec/types.ts";

const item = (id: string): PlanItem => ({ id, action: "process", reason: "new", paths: [`/${id}`], hash: `h${id}`, datum: { id, inputs: [], sortKey: [`/${id}`] } });
const ok: DatumOutcome = { state: "success", outputs: [], tries: 1, durationMs: 1, reason: null };
const job = (id = "j1"): QueueJob => ({ id, spec: { name: "p" } as PipelineSpec, outputCommit: "c" });

function setup(opts: { ttlMs?: number; maxRequeues?: number } = {}) {
  let now = 0;
  let n = 0;
  const q = new LeaseQueue({ now: () => now, newId: () => `aa${n++}`, ttlMs: opts.ttlMs ?? 1000, maxRequeues: opts.maxRequeues });
  const settled: [string, string, string | null][] = [];
  const abort = new AbortController();
  const start = (items: PlanItem[], localSlots = 0, runLocal = async (_i: PlanItem) => ok as DatumOutcome | null, j = job()) =>
    q.run(j, items, { localSlots, runLocal, settle: (i, o, w) => settled.push([i.id, o.state, w]), signal: abort.signal });
  return { q, settled, abort, start, tick: (ms: number) => (now += ms) };
}

describe("LeaseQueue", () => {
  test("lease() hands out datums in order, in batches of at most max, and run() ends when every datum is reported", async () => {
    const { q, settled, start } = setup();
    const running = start([item("a"), item("b"), item("c")]);
    const l1 = q.lease("w1", 2, 2)!;
    const l2 = q.lease("w2", 2, 2)!;
    expect([l1.items.map((i) => i.id), l2.items.map((i) => i.id)]).toEqual([["a", "b"], ["c"]]);
    expect(q.lease("w3", 1, 5)).toBeNull();
    for (const [l, w] of [[l1, "w1"], [l2, "w2"]] as const) for (const i of l.items) expect(q.report(w, l.id, i.id, ok)).toBe("ok");
    await running;
    expect(settled).toEqual([["a", "success", "w1"], ["b", "success", "w1"], ["c", "success", "w2"]]);
    expect(q.workers.get("w1")!.done).toBe(2);
  });

  test("a lease that lapses puts its unreported datums back at the front; the late report of the first worker still wins once", async () => {
    const { q, settled, start, tick } = setup();
    const running = start([item("a"), item("b"), item("c")]);
    const l1 = q.lease("w1", 1, 2)!;
    expect(q.report("w1", l1.id, "a", ok)).toBe("ok");
    tick(999);
    expect(q.heartbeat("w1", [l1.id], 1)).toEqual({ [l1.id]: "ok" }); // renewed: lapses at 1999
    tick(1000);
    q.sweep();
    expect(q.heartbeat("w1", [l1.id], 1)).toEqual({ [l1.id]: "expired" });
    const l2 = q.lease("w2", 1, 5)!;
    expect(l2.items.map((i) => i.id)).toEqual(["b", "c"]); // b came back first
    expect(q.report("w1", l1.id, "b", ok)).toBe("ok"); // the slow worker finished after all
    expect(q.report("w2", l2.id, "b", ok)).toBe("duplicate"); // its replacement too: recorded once
    expect(q.report("w2", l2.id, "c", ok)).toBe("ok");
    await running;
    expect(settled.map(([id, , w]) => `${id}:${w}`)).toEqual(["a:w1", "b:w1", "c:w2"]);
  });

  test("report() refuses a datum outside the lease, another worker's lease, and anything after the job ended", async () => {
    const { q, start, abort } = setup();
    const running = start([item("a"), item("b")]);
    const l1 = q.lease("w1", 1, 1)!;
    expect(q.report("w1", l1.id, "b", ok)).toBe("unknown"); // b is in the queue, not in this lease
    expect(q.report("w2", l1.id, "a", ok)).toBe("unknown");
    expect(q.report("w1", "nosuch", "a", ok)).toBe("gone");
    abort.abort();
    await running;
    expect(q.report("w1", l1.id, "a", ok)).toBe("gone");
    expect(q.heartbeat("w1", [l1.id], 1)).toEqual({ [l1.id]: "ended" });
  });

  test("local slots take datums from the same queue, and take back what a lapsed lease returns", async () => {
    const { q, settled, start, tick } = setup();
    let leased: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const running = start([item("a"), item("b"), item("c")], 1, async (i) => {
      if (i.id === "a") {
        // While the local slot runs a, a worker leases b and c, then vanishes.
        const l = q.lease("w1", 2, 2)!;
        leased = l.items.map((x) => x.id);
        tick(5000);
        q.sweep();
        await gate;
      }
      return ok;
    });
    release();
    await running;
    expect(leased).toEqual(["b", "c"]);
    expect(settled).toEqual([["a", "success", null], ["b", "success", null], ["c", "success", null]]);
  });

  test("release() gives a lease's unreported datums back at once", async () => {
    const { q, start } = setup();
    const running = start([item("a"), item("b")]);
    const l1 = q.lease("w1", 1, 2)!;
    q.report("w1", l1.id, "a", ok);
    expect(q.release("w1", l1.id)).toBe(true);
    expect(q.release("w1", l1.id)).toBe(false);
    const l2 = q.lease("w2", 1, 2)!;
    expect(l2.items.map((i) => i.id)).toEqual(["b"]);
    q.report("w2", l2.id, "b", ok);
    await running;
  });

  test("a datum whose lease lapses more than maxRequeues times fails, naming the last worker", async () => {
    const { q, settled, start, tick } = setup({ maxRequeues: 2 });
    const running = start([item("a")]);
    for (let i = 0; i < 3; i++) {
      expect(q.lease(`w${i}`, 1, 1)).not.toBeNull();
      tick(2000);
      q.sweep();
    }
    await running;
    expect(settled).toHaveLength(1);
    expect(settled[0]!.slice(0, 2)).toEqual(["a", "failed"]);
    expect(q.lease("w9", 1, 1)).toBeNull();
  });

  test("waitForWork() resolves when a job arrives, not only at its timeout", async () => {
    const { q, start } = setup();
    const t0 = performance.now();
    const waiting = q.waitForWork(20_000);
    const running = start([item("a")]);
    await waiting;
    expect(performance.now() - t0).toBeLessThan(5000);
    const l = q.lease("w", 1, 1)!;
    q.report("w", l.id, "a", ok);
    await running;
  });

  test("close() wakes a waiting lease request at once, and later ones do not wait", async () => {
    const { q } = setup();
    const t0 = performance.now();
    const waiting = q.waitForWork(20_000);
    q.close();
    await waiting;
    await q.waitForWork(20_000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  test("starving() says datums wait with no worker heard from in two ttls", async () => {
    const { q, start, tick, abort } = setup();
    expect(q.starving()).toBe(false); // nothing waits
    const running = start([item("a"), item("b")]);
    expect(q.starving()).toBe(true);
    q.lease("w1", 1, 1);
    expect(q.starving()).toBe(false); // w1 was just here, b waits for it
    tick(1999);
    expect(q.starving()).toBe(false);
    tick(1);
    expect(q.starving()).toBe(true); // ...and gone for two ttls (a came back too)
    abort.abort();
    await running;
  });

  describe("datum_set_spec sizes the leases (Pachyderm's datum sets)", () => {
    const sized = (ids: string[], size = 10) => ids.map((id) => ({ ...item(id), datum: { id, inputs: [{ size } as DatumInput], sortKey: [id] } }));
    const jobWith = (set: { number?: number; sizeBytes?: number; perWorker?: number }): QueueJob =>
      ({ id: "j1", spec: { name: "p", datumSetSpec: { number: 0, sizeBytes: 0, perWorker: 0, ...set } } as PipelineSpec, outputCommit: "c" });
    const leaseSizes = async (set: Parameters<typeof jobWith>[0], items: PlanItem[], workers = ["w1"]) => {
      const { q, start, abort } = setup();
      const running = start(items, 0, undefined, jobWith(set));
      for (const w of workers) q.heartbeat(w, [], 1); // heard from: counts as active
      const sizes: number[] = [];
      for (let l = q.lease(workers[0]!, 1, 100); l; l = q.lease(workers[0]!, 1, 100)) sizes.push(l.items.length);
      abort.abort();
      await running;
      return sizes;
    };
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `d${i}`);

    test("without it a lease takes what the worker asked for", async () => {
      const { q, start, abort } = setup();
      const running = start(sized(ids(7)));
      expect(q.lease("w1", 1, 5)!.items.length).toBe(5);
      abort.abort();
      await running;
    });
    test("number: at most that many datums per lease", async () => {
      expect(await leaseSizes({ number: 3 }, sized(ids(7)))).toEqual([3, 3, 1]);
    });
    test("size_bytes: datums until their inputs reach the size (the one crossing it included), at least one", async () => {
      expect(await leaseSizes({ sizeBytes: 25 }, sized(ids(7)))).toEqual([3, 3, 1]); // 10+10+10 >= 25
      expect(await leaseSizes({ sizeBytes: 1 }, sized(ids(3), 100))).toEqual([1, 1, 1]);
    });
    test("per_worker: the job's datums in that many sets per active worker", async () => {
      expect(await leaseSizes({ perWorker: 2 }, sized(ids(12)), ["w1", "w2", "w3"])).toEqual([2, 2, 2, 2, 2, 2]);
      expect(await leaseSizes({ perWorker: 1 }, sized(ids(10)))).toEqual([10]);
    });
  });
});
