// A running job's counts, visible to every process (SPEC §2.3: list job,
// inspect job, the API): written to its row at most once a second while
// datums finish, and told to observers at the same pace.
import type { App } from "../app.ts";
import { updateJobCounts, type JobRow } from "../db/queries/jobs.ts";
import type { RunObserver } from "../observe.ts";

const EVERY_MS = 1000;

export class Tally {
  readonly job: JobRow;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly app: App, job: JobRow, private readonly observer: RunObserver) {
    this.job = { ...job };
  }

  /** One more datum ended in `state`. */
  add(state: "success" | "failed" | "recovered", worker?: string): void {
    if (worker) (this.job.workers ??= {})[worker] = (this.job.workers[worker] ?? 0) + 1;
    if (state === "success") this.job.processed++;
    else if (state === "failed") this.job.failed++;
    else this.job.recovered++;
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#write();
    }, EVERY_MS);
  }

  /** Stops the timer and waits for the last write (the job's end writes the final counts). */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#writing;
  }

  #write(): void {
    const snapshot = { ...this.job, workers: this.job.workers && { ...this.job.workers } };
    this.#writing = this.#writing.then(async () => {
      try {
        await this.app.db.write((tx) => updateJobCounts(tx, snapshot.id, snapshot));
      } catch { /* best effort: the job's end writes the counts for good */ }
      this.observer.jobProgress?.(snapshot);
    });
  }
}
