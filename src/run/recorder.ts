// Group commit of datum results (SPEC §4.3: a finished datum is not redone
// after a crash). Each write is one flush of the outputs and one transaction,
// whose commit fsyncs the database, on calf's main thread. A result is
// written as soon as the write before it is done and at least WRITE_GAP_MS
// after that write began, together with whatever arrived meanwhile: a datum
// that finished just before a kill -9 is on disk unless its write was cut
// (at most WRITE_GAP_MS plus one write after it finished), and fast datums
// share writes (at most ~40 fsyncs a second instead of one per datum: 2000
// datums of `tr` spent 1.9 s of 4.4 s in per-datum commits).
import type { App } from "../app.ts";
import { crashPoint } from "../crash.ts";
import { saveResults, type ResultRow } from "../db/queries/results.ts";

/** Least time from the start of one write to the start of the next. */
export const WRITE_GAP_MS = 25;

export class ResultRecorder {
  #pending: ResultRow[] = [];
  #writing: Promise<void> | null = null;
  #error: unknown = null;
  /** When the last write began (performance.now()). */
  #began = -Infinity;

  constructor(private readonly app: App, private readonly pipeline: string, private readonly job: string) {}

  add(r: ResultRow): void {
    this.#pending.push(r);
    this.#writing ??= this.#loop();
  }

  /** Waits until every result added so far is written; throws the first write's error. */
  async drain(): Promise<void> {
    await this.#writing;
    if (this.#error) throw this.#error;
  }

  async #loop(): Promise<void> {
    while (this.#pending.length) {
      const wait = this.#began + WRITE_GAP_MS - performance.now();
      if (wait > 0) await this.app.clock.sleep(wait);
      this.#began = performance.now();
      const batch = this.#pending.splice(0);
      try {
        await this.app.store.flush();
        await this.app.db.write((tx) => saveResults(tx, this.pipeline, this.job, batch));
        crashPoint("datum.recorded");
      } catch (err) {
        this.#error ??= err;
      }
    }
    this.#writing = null;
  }
}
