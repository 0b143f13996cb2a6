// The SSE wire form (src/view/events.ts) and the runner Progress adapter
// that emits the page's job events (src/view/live.ts).
import { describe, expect, test } from "bun:test";
import type { JobRow } from "../../src/db/queries/jobs.ts";
import { sseFrame, type ViewEvent } from "../../src/view/events.ts";
import { progressEvents } from "../../src/view/live.ts";
import { J } from "./_fixtures.ts";

describe("sseFrame()", () => {
  test("sseFrame() is one data line holding the event as JSON, then a blank line, even when a field has newlines", () => {
    const ev: ViewEvent = { type: "job", job: { ...J("j", "failure", "2026-01-01T00:00:00Z", null), reason: "line one\nline two" } };
    const frame = sseFrame(ev);
    expect(frame.endsWith("\n\n")).toBe(true);
    const lines = frame.slice(0, -2).split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith("data: ")).toBe(true);
    expect(JSON.parse(lines[0]!.slice("data: ".length))).toEqual(ev);
  });
});

describe("progressEvents()", () => {
  const row = (over: Partial<JobRow>): JobRow => ({
    id: "j1", pipeline: "p", state: "success", reason: null, started: "2026-01-01T00:00:00.000Z", finished: "2026-01-01T00:00:05.000Z",
    inputCommits: [{ repo: "in", commit: "c1" }], outputCommit: "c2", fingerprint: "f", salt: "s", version: 1,
    total: 5, processed: 3, skipped: 1, failed: 1, recovered: 0, stats: {}, ...over,
  });

  test("progressEvents() emits the running job at start, its counts as datums finish (throttled), and the finished row", () => {
    let t = Date.parse("2026-01-01T00:00:00Z");
    const events: ViewEvent[] = [];
    const calls: string[] = [];
    const also = { start: () => void calls.push("start"), datum: () => void calls.push("datum"), finish: () => void calls.push("finish") };
    const p = progressEvents((ev) => events.push(ev), { now: () => new Date(t), minIntervalMs: 100, also });
    p.start("p", "j1", 5, 4);
    t += 150;
    p.datum("p", "success");
    t += 10;
    p.datum("p", "failed"); // within 100 ms of the last event: not sent
    t += 200;
    p.datum("p", "success");
    p.finish(row({}));
    const counts = events.map((e) => (e.type === "job" ? [e.job.state, e.job.datums.processed, e.job.datums.skipped, e.job.datums.failed, e.job.datums.total] : null));
    expect(counts).toEqual([["running", 0, 1, 0, 5], ["running", 1, 1, 0, 5], ["running", 2, 1, 1, 5], ["success", 3, 1, 1, 5]]);
    const last = events.at(-1)!;
    expect(last.type === "job" && last.job.input_commits).toEqual([{ repo: "in", commit: "c1" }]);
    expect(calls).toEqual(["start", "datum", "datum", "datum", "finish"]);
  });

  test("progressEvents() sends each event's own copy: a later datum does not change an event already sent", () => {
    const events: ViewEvent[] = [];
    const p = progressEvents((ev) => events.push(ev), { now: () => new Date(0), minIntervalMs: 0 });
    p.start("p", "j1", 2, 2);
    p.datum("p", "success");
    expect(events.map((e) => (e.type === "job" ? e.job.datums.processed : -1))).toEqual([0, 1]);
  });
});
