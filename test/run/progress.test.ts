// terminalObserver(): what a runner prints. Off a terminal, RFC 3339-stamped
// lines at start, every `everyMs` while a job runs (even while one datum runs
// long) and at the end; on a terminal, a live line per running job cut to the
// width, replayed through a terminal of that width to see it never wraps.
import { describe, expect, test } from "bun:test";
import type { DatumRow, JobRow } from "../../src/db/queries/jobs.ts";
import { clock, fit, terminalObserver } from "../../src/run/progress.ts";
import { replay } from "../helpers/terminal.ts";

const T0 = Date.parse("2026-12-05T10:00:00Z");

function job(over: Partial<JobRow> = {}): JobRow {
  return {
    id: "3fa9c2d1e8b0aa11bb22cc33dd44ee55", pipeline: "sizes", state: "running", reason: null, started: "2026-12-05T10:00:00.000Z", finished: null,
    inputCommits: [], outputCommit: null, fingerprint: "", salt: "", version: 1, total: 10, processed: 0, skipped: 2, failed: 0, recovered: 0, stats: {}, ...over,
  };
}
const datum = (state: DatumRow["state"], path: string): DatumRow => ({
  job: "", id: "34a1d515f1e3d43e733391f5051c3bbf", idx: 0, hash: "", state, inputs: [{ name: "images", repo: "images", branch: "master", commit: "", path, hash: "", type: "file" }], durationMs: 1, tries: 1, reason: "exit 1: wc: Is a directory",
});

/** An observer writing into `out`, with a clock and ticks the test moves. */
function harness(opts: { tty: boolean; columns?: number; everyMs?: number; quiet?: boolean }) {
  let out = "";
  let ms = 0;
  const o = terminalObserver({
    write: (s) => void (out += s), tty: opts.tty, quiet: opts.quiet ?? false, columns: () => opts.columns ?? 80, everyMs: opts.everyMs,
    clock: { now: () => new Date(T0 + ms), sleep: async () => {} }, ticks: () => ms,
  });
  return { o, out: () => out, at: (t: number) => void (ms = t) };
}

describe("terminalObserver() off a terminal", () => {
  test("terminalObserver() prints stamped lines at the start, every everyMs while the job runs (even with no datum done), and at the end", () => {
    const h = harness({ tty: false, everyMs: 5000 });
    h.o.jobStarted!(job(), 8);
    h.at(1000);
    h.o.jobProgress!(job({ processed: 1 }));
    h.at(5000);
    h.o.jobProgress!(job({ processed: 1 })); // a long datum: nothing finished since, the line still comes
    h.at(7000);
    h.o.datumFinished!(job({ processed: 2, failed: 1 }), datum("failed", "/raw"));
    h.at(10_000);
    h.o.datumFinished!(job({ processed: 4, failed: 1 }), datum("success", "/a"));
    h.o.jobFinished!(job({ state: "success", processed: 8, finished: "2026-12-05T10:00:10.000Z" }));
    expect(h.out().split("\n")).toEqual([
      "2026-12-05T10:00:00Z sizes: job 3fa9c2d1e8b0 started: 10 datums, 8 to process, 2 to skip",
      "2026-12-05T10:00:05Z sizes: 1/8 processed, 2 skipped, 0 failed (0.2/s, 5s, ETA 35s)",
      "2026-12-05T10:00:07Z sizes: datum 34a1d515f1e3 (/raw) failed: exit 1: wc: Is a directory",
      "2026-12-05T10:00:10Z sizes: 5/8 processed, 2 skipped, 1 failed (0.5/s, 10s, ETA 6s)",
      "2026-12-05T10:00:10Z sizes: job 3fa9c2d1e8b0 success (8 processed, 2 skipped, 0 failed; 10000 ms)",
      "",
    ]);
  });

  test("terminalObserver() with --quiet prints failures only", () => {
    const h = harness({ tty: false, everyMs: 0, quiet: true });
    h.o.jobStarted!(job(), 8);
    h.o.datumFinished!(job({ failed: 1 }), datum("failed", "/raw"));
    h.o.jobFinished!(job({ state: "failure", failed: 1, reason: "datum 34a1d515f1e3 (/raw) failed: exit 1", finished: "2026-12-05T10:00:00.010Z" }));
    expect(h.out()).toBe([
      "2026-12-05T10:00:00Z sizes: datum 34a1d515f1e3 (/raw) failed: exit 1: wc: Is a directory",
      "2026-12-05T10:00:00Z sizes: job 3fa9c2d1e8b0 failure (0 processed, 2 skipped, 1 failed; 10 ms): datum 34a1d515f1e3 (/raw) failed: exit 1",
      "",
    ].join("\n"));
  });
});

describe("terminalObserver() on a terminal", () => {
  test("the live line is cut to the terminal's width, never wraps, and leaves the events above it", () => {
    const W = 40;
    const h = harness({ tty: true, columns: W });
    const long = job({ pipeline: "a-pipeline-with-a-rather-long-name" });
    const started = "a-pipeline-with-a-rather-long-name: job 3fa9c2d1e8b0 started: 10 datums, 8 to process, 2 to skip";
    const failed = "a-pipeline-with-a-rather-long-name: datum 34a1d515f1e3 (/f3) failed: exit 1: wc: Is a directory";
    /** Event lines may wrap (they scroll up like any output): how often these do. */
    const wrapsOf = (...lines: string[]) => lines.reduce((n, l) => n + Math.floor((l.length - 1) / W), 0);
    h.o.jobStarted!(long, 8);
    for (let i = 1; i <= 8; i++) {
      h.at(i * 150);
      h.o.datumFinished!({ ...long, processed: i }, datum(i === 3 ? "failed" : "success", `/f${i}`));
      const screen = replay(h.out(), W);
      expect(screen.wraps).toBe(i < 3 ? wrapsOf(started) : wrapsOf(started, failed));
      expect(screen.lines.at(-1)).toBe(`a-pipeline-with-a-rather-long-name: ${i}/…`); // W - 1 characters
    }
    h.o.jobFinished!({ ...long, state: "success", processed: 8, finished: "2026-12-05T10:00:01.000Z" });
    const screen = replay(h.out(), W);
    expect(screen.lines).toEqual([
      ...replay(started, W).lines,
      ...replay(failed, W).lines,
      ...replay("a-pipeline-with-a-rather-long-name: job 3fa9c2d1e8b0 success (8 processed, 2 skipped, 0 failed; 1000 ms)", W).lines,
    ]);
  });

  test("two jobs running side by side get a live line each; the one left keeps its line when the other ends", () => {
    const W = 80;
    const h = harness({ tty: true, columns: W });
    const a = job({ id: "aaaaaaaaaaaa1111", pipeline: "left" });
    const b = job({ id: "bbbbbbbbbbbb2222", pipeline: "right" });
    h.o.jobStarted!(a, 4);
    h.o.jobStarted!(b, 6);
    h.at(1000);
    h.o.jobProgress!({ ...a, processed: 2 });
    h.at(2000);
    h.o.jobProgress!({ ...b, processed: 3 });
    let screen = replay(h.out(), W);
    expect(screen.lines.slice(-2)).toEqual([
      "left: 2/4 processed, 2 skipped, 0 failed (1.0/s, 2s, ETA 2s)",
      "right: 3/6 processed, 2 skipped, 0 failed (1.5/s, 2s, ETA 2s)",
    ]);
    h.o.jobFinished!({ ...a, state: "success", processed: 4, finished: "2026-12-05T10:00:02.000Z" });
    screen = replay(h.out(), W);
    expect(screen.lines).toEqual([
      "left: job aaaaaaaaaaaa started: 10 datums, 4 to process, 2 to skip",
      "right: job bbbbbbbbbbbb started: 10 datums, 6 to process, 2 to skip",
      "left: job aaaaaaaaaaaa success (4 processed, 2 skipped, 0 failed; 2000 ms)",
      "right: 3/6 processed, 2 skipped, 0 failed (1.5/s, 2s, ETA 2s)",
    ]);
    expect(screen.wraps).toBe(0);
  });
});

describe("fit() and clock()", () => {
  test.each<[string, number, string]>([["short", 10, "short"], ["exactly 10", 10, "exactly 10"], ["one too long", 10, "one too l…"]])("fit(%p, %p) is %p", (t, w, want) => {
    expect(fit(t, w)).toBe(want);
  });
  test.each<[number, string]>([[0, "0s"], [59.4, "59s"], [65, "1m05s"], [3725, "1h02m"]])("clock(%p) is %p", (s, want) => {
    expect(clock(s)).toBe(want);
  });
});
