import { describe, expect, test } from "bun:test";
import { Limiter } from "../../../src/store/s3/limiter.ts";

const tick = () => new Promise((r) => setTimeout(r, 1));

/** Runs `jobs` (weights) through the limiter, each holding its slot for a few ticks; returns the peaks seen. */
async function peaks(l: Limiter, weights: number[]): Promise<{ count: number; bytes: number; order: number[] }> {
  let count = 0, bytes = 0, maxCount = 0, maxBytes = 0;
  const order: number[] = [];
  await Promise.all(weights.map((w, i) => l.run(w, async () => {
    count++;
    bytes += w;
    order.push(i);
    maxCount = Math.max(maxCount, count);
    maxBytes = Math.max(maxBytes, bytes);
    for (let k = 0; k < 3; k++) await tick();
    count--;
    bytes -= w;
  })));
  return { count: maxCount, bytes: maxBytes, order };
}

describe("Limiter.run()", () => {
  test("never runs more than `slots` at once", async () => {
    expect((await peaks(new Limiter(3, 1 << 30), Array(10).fill(0))).count).toBe(3);
  });

  test("never holds more than `bytes` of weight at once, and starts jobs in arrival order", async () => {
    const r = await peaks(new Limiter(10, 100), [60, 30, 20, 50, 10]);
    expect(r.bytes).toBeLessThanOrEqual(100);
    expect(r.order).toEqual([0, 1, 2, 3, 4]);
  });

  test("a job heavier than the whole budget still runs, alone", async () => {
    const r = await peaks(new Limiter(4, 100), [10, 500, 10]);
    expect(r.order).toEqual([0, 1, 2]);
    expect(r.bytes).toBe(500);
  });

  test("take() holds a slot until its release is called, once", async () => {
    const l = new Limiter(1, 100);
    const release = await l.take(10);
    let second = false;
    const waiting = l.run(0, async () => void (second = true));
    await tick();
    expect(second).toBe(false);
    release();
    release();
    await waiting;
    expect(second).toBe(true);
    expect((await peaks(l, [0, 0])).count).toBe(1);
  });
});
