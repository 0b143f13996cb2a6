// The event stream of `GET /api/v1/events` (SPEC §7): what the runner tells
// its observers, as the status page's events (view/events.ts), each with an
// id `<boot>.<n>` kept in a bounded ring so a client that reconnects with
// Last-Event-ID gets exactly what it missed (or, when that is gone or from
// an earlier serve, a `reset` to reload). Commits other processes make (a
// put file) are found by their sequence number when the runner wakes.
import type { Db } from "../db/client.ts";
import { commitsAfter } from "../db/queries/commits.ts";
import type { RunObserver } from "../observe.ts";
import { commitJson, datumJson, jobJson } from "../shapes.ts";
import type { ViewEvent } from "../view/events.ts";

export type HubEvent = ViewEvent | { type: "reset" } | { type: "spout"; spout: Record<string, unknown> } | { type: "specs"; ok: boolean; message: string | null };

export interface Numbered {
  id: string;
  event: HubEvent;
}

/** Events kept for clients that reconnect. */
const KEEP = 10_000;
/** A running job's counts go out with its datums at most this often. */
const JOB_EVERY_MS = 250;

export class EventHub implements RunObserver {
  readonly #boot: string;
  #next = 1;
  #ring: Numbered[] = [];
  #subs = new Set<(e: Numbered) => void>();
  #closers = new Set<() => void>();
  /** The highest commit sequence number already sent. */
  #commitSeq: number | null = null;

  constructor(boot: string) {
    this.#boot = boot;
  }

  emit(event: HubEvent): void {
    const n: Numbered = { id: `${this.#boot}.${this.#next++}`, event };
    this.#ring.push(n);
    if (this.#ring.length > KEEP) this.#ring.splice(0, this.#ring.length - KEEP);
    for (const s of this.#subs) s(n);
  }

  /** Everything after `lastId`; null when it is not of this serve or no longer kept (the client must reload). */
  since(lastId: string): Numbered[] | null {
    const [boot, num] = lastId.split(".");
    const n = Number(num);
    if (boot !== this.#boot || !Number.isInteger(n)) return null;
    const first = this.#ring[0] ? Number(this.#ring[0].id.split(".")[1]) : this.#next;
    if (n < first - 1) return null;
    return this.#ring.filter((e) => Number(e.id.split(".")[1]) > n);
  }

  /** Calls `fn` with each new event until the returned function is called; `onEnd` when the hub ends (serve stops). */
  subscribe(fn: (e: Numbered) => void, onEnd: () => void = () => {}): () => void {
    this.#subs.add(fn);
    this.#closers.add(onEnd);
    return () => {
      this.#subs.delete(fn);
      this.#closers.delete(onEnd);
    };
  }

  /** Ends every open stream (serve is stopping: an endless response would hold the server open). */
  end(): void {
    for (const close of [...this.#closers]) close();
    this.#subs.clear();
    this.#closers.clear();
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  /** Sends the commits made since the last look (by any process); the first look only notes where it stands. */
  async pollCommits(db: Db): Promise<void> {
    if (this.#commitSeq === null) {
      this.#commitSeq = (await commitsAfter(db, -1, 0, true)).seq;
      return;
    }
    for (const { seq, commit } of (await commitsAfter(db, this.#commitSeq, 500)).rows) {
      this.#commitSeq = Math.max(this.#commitSeq, seq);
      if (commit.finished) this.emit({ type: "commit", commit: commitJson(commit) });
    }
  }

  // --- RunObserver ---
  jobStarted = (job: Parameters<NonNullable<RunObserver["jobStarted"]>>[0]) => this.emit({ type: "job", job: jobJson(job) });
  jobProgress = (job: Parameters<NonNullable<RunObserver["jobProgress"]>>[0]) => this.emit({ type: "job", job: jobJson(job) });
  jobFinished = (job: Parameters<NonNullable<RunObserver["jobFinished"]>>[0]) => {
    this.#lastJobEvent.delete(job.id);
    this.emit({ type: "job", job: jobJson(job) });
  };
  /** A datum event each time; the job's counts with it at most every JOB_EVERY_MS (a 10k-datum job must not flood the stream). */
  datumFinished: NonNullable<RunObserver["datumFinished"]> = (job, d) => {
    this.emit({ type: "datum", pipeline: job.pipeline, datum: datumJson(d) });
    const now = performance.now();
    if (now - (this.#lastJobEvent.get(job.id) ?? 0) < JOB_EVERY_MS) return;
    this.#lastJobEvent.set(job.id, now);
    this.emit({ type: "job", job: jobJson(job) });
  };
  #lastJobEvent = new Map<string, number>();
  spout: NonNullable<RunObserver["spout"]> = (e) => this.emit({ type: "spout", spout: { ...e } });
  specs: NonNullable<RunObserver["specs"]> = (e) => this.emit({ type: "specs", ok: e.ok, message: e.ok ? null : e.message });
}
