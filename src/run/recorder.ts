// Group commit of datum results (SPEC §4.3: a finished datum is not redone
// after a crash): successes are written in batches, at most one transaction
// every BATCH_MS, so a crash redoes at most the last second of finished
// datums, while a batch is big enough for one syncfs instead of an fsync per
// output (which also stalls every other metadata operation).
import type { App } from "../app.ts";
import { saveResults, type ResultRow } from "../db/queries/jobs.ts";

const BATCH_MS = 1000;

export class ResultRecorder {
  #pending: ResultRow[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #error: unknown = null;

  constructor(private readonly app: App, private readonly pipeline: string, private readonly job: string) {}

  add(r: ResultRow): void {
    this.#pending.push(r);
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, BATCH_MS);
  }

  /** Writes what is pending and waits for every write; throws the first write's error. */
  async drain(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#flush();
    if (this.#error) throw this.#error;
  }

  #flush(): Promise<void> {
    const batch = this.#pending.splice(0);
    if (!batch.length) return this.#flushing;
    this.#flushing = this.#flushing.then(async () => {
      try {
        await this.app.store.flush();
        await this.app.db.write((tx) => saveResults(tx, this.pipeline, this.job, batch));
      } catch (err) {
        this.#error ??= err;
      }
    });
    return this.#flushing;
  }
}
