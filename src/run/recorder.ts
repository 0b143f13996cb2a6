// Group commit of datum results (SPEC §4.3: a finished datum is not redone
// after a crash): a result is written as soon as the write before it is done,
// together with whatever arrived while that write was in flight; no timer. A
// datum that finished just before a kill -9 is therefore on disk unless its
// own write was cut, and under load the batches grow by themselves (one
// flush of the outputs and one transaction per batch, not per datum).
import type { App } from "../app.ts";
import { crashPoint } from "../crash.ts";
import { saveResults, type ResultRow } from "../db/queries/results.ts";

export class ResultRecorder {
  #pending: ResultRow[] = [];
  #writing: Promise<void> | null = null;
  #error: unknown = null;

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
