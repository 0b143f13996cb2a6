// The view model (src/view/model.ts), table by table, over the kit as
// imported and as rebuilt from its source text (what the page runs).
import { describe, expect, test } from "bun:test";
import type { JobJson } from "../../src/view/types.ts";
import { J, P, R } from "./_fixtures.ts";
import { KITS } from "./_kits.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

describe.each(KITS)("modelKit() %s", (_name, { model }) => {
  // --- viewState -------------------------------------------------------------
  test.each([
    ["inactive", "running", "inactive"],
    ["paused", "running", "paused"],
    ["running", "running", "running"],
    ["running", "created", "running"],
    ["running", "failure", "failing"],
    ["running", "unrunnable", "failing"],
    ["running", "killed", "failing"],
    ["running", "success", "success"],
    ["failing", "success", "success"],
    ["failing", null, "failing"],
    ["running", null, "idle"],
  ] as const)("viewState() of a %s pipeline whose newest job is %s is %s", (state, job, want) => {
    const latest = job ? J("j", job, at(0), null) : undefined;
    expect(model.viewState(P("p", ["a"], { state }), latest)).toBe(want);
  });

  // --- buildDag --------------------------------------------------------------
  test("buildDag() makes repo -> pipeline -> output repo for a three-stage chain, nodes sorted, states from the newest jobs", () => {
    const jobs: Record<string, JobJson> = { words: J("1", "failure", at(0), at(1)), count: J("2", "success", at(0), at(1)) };
    const dag = model.buildDag([P("words", ["text"]), P("top", ["count"]), P("count", ["words"])], [R("text"), R("words")], (n) => jobs[n]);
    expect(dag.nodes.map((n) => [n.id, n.state ?? n.source])).toEqual([
      ["repo:count", "pipeline"], ["repo:text", "user"], ["repo:top", "pipeline"], ["repo:words", "pipeline"],
      ["pipeline:count", "success"], ["pipeline:top", "idle"], ["pipeline:words", "failing"],
    ]);
    expect(dag.edges).toEqual([
      { from: "pipeline:count", to: "repo:count" }, { from: "pipeline:top", to: "repo:top" }, { from: "pipeline:words", to: "repo:words" },
      { from: "repo:count", to: "pipeline:top" }, { from: "repo:text", to: "pipeline:words" }, { from: "repo:words", to: "pipeline:count" },
    ]);
  });

  test("buildDag() marks spouts (spout extra, or no input without extras) and cron repos with their schedule", () => {
    const dag = model.buildDag([
      P("feed", [], { spout: { last_archive: null } }),
      P("bare", []),
      P("nightly", ["feed", "nightly_tick"], { spout: null, cron: [{ name: "tick", repo: "nightly_tick", spec: "@daily", last_tick: null, next_tick: null }] }),
    ], []);
    const byId = new Map(dag.nodes.map((n) => [n.id, n]));
    expect(byId.get("pipeline:feed")!.spout).toBe(true);
    expect(byId.get("pipeline:bare")!.spout).toBe(true);
    expect(byId.get("pipeline:nightly")!.spout).toBeUndefined();
    expect(byId.get("repo:nightly_tick")).toMatchObject({ source: "cron", cronSpec: "@daily" });
    expect(byId.get("repo:feed")!.source).toBe("pipeline");
  });

  test("buildDag() keeps repos nothing reads, and makes one edge of an input named twice", () => {
    const dag = model.buildDag([P("p", ["a", "a"])], [R("a"), R("unused")]);
    expect(dag.nodes.map((n) => n.id)).toEqual(["repo:a", "repo:p", "repo:unused", "pipeline:p"]);
    expect(dag.edges.filter((e) => e.from === "repo:a")).toHaveLength(1);
  });

  // --- timeline --------------------------------------------------------------
  test("timeline() shows the newest jobs first, at most `limit`, bars scaled to the longest (at least 2%)", () => {
    const jobs = [J("a", "success", at(0), at(10)), J("b", "failure", at(20), at(20.05)), J("c", "running", at(30), null), J("d", "success", at(-50), at(-45))];
    const rows = model.timeline(jobs, T0 + 35_000, 3);
    expect(rows.map((r) => [r.job.id, r.durationMs, r.widthPct, r.running])).toEqual([["c", 5000, 50, true], ["b", 50, 2, false], ["a", 10_000, 100, false]]);
  });

  // --- progress --------------------------------------------------------------
  test.each([
    // [name, datums, samples (s, done), now (s), want]
    ["no samples: rate from the job's start over the datums run", { total: 10, processed: 2, skipped: 4 }, [], 4, { done: 6, total: 10, pct: 60, rate: 0.5, etaMs: 8000 }],
    ["the oldest sample of the last minute against now", { total: 100, processed: 30 }, [[100, 10], [110, 20], [120, 30]], 120, { done: 30, total: 100, pct: 30, rate: 1, etaMs: 70_000 }],
    ["samples older than a minute are ignored", { total: 100, processed: 30 }, [[0, 0], [115, 25]], 120, { done: 30, total: 100, pct: 30, rate: 1, etaMs: 70_000 }],
    ["total not known yet", { total: 0 }, [], 0.5, { done: 0, total: 0, pct: 0, rate: null, etaMs: null }],
    ["all done: no time left", { total: 3, processed: 3 }, [], 0.2, { done: 3, total: 3, pct: 100, rate: null, etaMs: 0 }],
  ] as const)("progress(): %s", (_n, datums, samples, now, want) => {
    const job = J("j", "running", at(0), null, datums);
    const s = samples.map(([t, done]) => ({ t: T0 + t * 1000, done }));
    expect(model.progress(job, s, T0 + now * 1000)).toEqual(want);
  });

  test("addSample() adds a sample when the count changed and keeps the last minute", () => {
    const job = (processed: number) => J("j", "running", at(0), null, { total: 9, processed });
    let s = model.addSample([], job(1), T0);
    s = model.addSample(s, job(1), T0 + 1000);
    s = model.addSample(s, job(2), T0 + 61_000);
    expect(s).toEqual([{ t: T0 + 61_000, done: 2 }]);
  });

  test("upsertJob() replaces a job by id, keeps newest first, and cuts to the limit", () => {
    const jobs = [J("b", "success", at(10), at(11)), J("a", "success", at(0), at(1))];
    expect(model.upsertJob(jobs, J("b", "failure", at(10), at(12)), 5).map((j) => [j.id, j.state])).toEqual([["b", "failure"], ["a", "success"]]);
    expect(model.upsertJob(jobs, J("c", "running", at(20), null), 2).map((j) => j.id)).toEqual(["c", "b"]);
  });
});
