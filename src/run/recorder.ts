// Group commit of datum results (SPEC §4.3: a finished datum is not redone
// after a crash): results gather for up to GATHER_MS (or until BATCH of them
// are waiting), then go to disk in one write: one flush of their outputs and
// one transaction. While a write is in flight the next batch gathers. A datum
// that finished just before a kill -9 is on disk unless it was still in the
// gathering window or in the write that was cut; in exchange a run of small
// datums pays one syncfs per batch instead of three fsyncs and a transaction
// per datum (the flush of fewer than 64 objects fsyncs each one and its folder).
import type { App } from "../app.ts";
import { crashPoint } from "../crash.ts";
import { saveResults, type ResultRow } from "../db/queries/results.ts";

/** How long the first result of a batch waits for others. */
const GATHER_MS = 40;
/** A batch this big goes at once: the store flushes 64 or more objects with one syncfs. */
const BATCH = 128;

export class ResultRecorder {
  #pending: ResultRow[] = [];
  #writing: Promise<void> | null = null;
  #error: unknown = null;
  /** Ends the current gathering window early (a full batch, or drain()). */
  #go: (() => void) | null = null;
  #draining = false;

  constructor(private readonly app: App, private readonly pipeline: string, private readonly job: string) {}

  add(r: ResultRow): void {
    this.#pending.push(r);
    if (this.#pending.length >= BATCH) this.#go?.();
    this.#writing ??= this.#loop();
  }

  /** Writes what is waiting now, and waits until every result added so far is written; throws the first write's error. */
  async drain(): Promise<void> {
    this.#draining = true;
    this.#go?.();
    await this.#writing;
    if (this.#error) throw this.#error;
  }

  async #loop(): Promise<void> {
    while (this.#pending.length) {
      if (this.#pending.length < BATCH && !this.#draining) await this.#gather();
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

  #gather(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, GATHER_MS);
      const self = this;
      function done() {
        clearTimeout(t);
        self.#go = null;
        resolve();
      }
      this.#go = done;
    });
  }
}
