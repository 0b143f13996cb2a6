// The datum queue of `calf serve` with remote workers (issue 14): the runner's
// own slots take datums one by one, workers lease batches (api/routes/leases.ts);
// a lapsed lease's datums go back; a datum is settled once (first report wins).
// No HTTP, no database, no clock of its own.
import type { DatumOutcome } from "./datum.ts";
import type { PlanItem } from "./items.ts";
import type { PipelineSpec } from "../spec/types.ts";

export interface QueueJob {
  id: string;
  spec: PipelineSpec;
  outputCommit: string;
}

export interface Lease {
  id: string;
  worker: string;
  job: QueueJob;
  items: PlanItem[];
  expiresAt: number;
  state: "active" | "expired" | "released";
}

export interface WorkerInfo {
  name: string;
  slots: number;
  lastSeen: number;
  /** Datums this worker reported (accepted ones) since serve started. */
  done: number;
}

/** How a report was taken: `ok` settled the datum, `duplicate` came after another, `unknown` names a datum not in the lease, `gone` came after the job ended. */
export type ReportAnswer = "ok" | "duplicate" | "unknown" | "gone";
/** A heartbeat's answer for one lease: renewed, expired (keep running: a report may still win), or ended (the job is over: stop). */
export type BeatAnswer = "ok" | "expired" | "ended";

interface Entry {
  job: QueueJob;
  pending: PlanItem[];
  /** Items not settled yet, by datum id. */
  open: Map<string, PlanItem>;
  /** The job's datums at the start. */
  total: number;
  requeues: Map<string, number>;
  settle: (item: PlanItem, o: DatumOutcome) => void;
  changed: () => void;
}

export const DEFAULT_TTL_MS = 30_000;
/** A datum whose leases lapsed this many times fails (a datum that kills every worker it lands on). */
export const MAX_REQUEUES = 5;

export class LeaseQueue {
  readonly ttlMs: number;
  readonly workers = new Map<string, WorkerInfo>();
  #jobs = new Map<string, Entry>();
  #leases = new Map<string, Lease>();
  #waiters = new Set<() => void>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #seq = 0;
  #closed = false;

  constructor(private readonly opts: { now: () => number; ttlMs?: number; newId: () => string; maxRequeues?: number }) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
  }

  /**
   * Runs a job's items: `localSlots` loops call `runLocal` (null: cut short
   * by the stop, not settled) while workers lease the rest. Resolves once
   * every item is settled, or at once when `signal` aborts.
   */
  async run(job: QueueJob, items: PlanItem[], o: {
    localSlots: number;
    runLocal: (item: PlanItem, slot: number) => Promise<DatumOutcome | null>;
    settle: (item: PlanItem, outcome: DatumOutcome, worker: string | null) => void;
    signal: AbortSignal;
  }): Promise<void> {
    if (!items.length) return;
    const waiters = new Set<() => void>();
    const wakeAll = () => {
      for (const w of [...waiters]) w();
      waiters.clear();
    };
    const changed = () => new Promise<void>((r) => waiters.add(r));
    const entry: Entry = {
      job, pending: [...items], open: new Map(items.map((i) => [i.id, i])), total: items.length, requeues: new Map(),
      settle: (item, outcome) => o.settle(item, outcome, outcome.worker ?? null), changed: wakeAll,
    };
    this.#jobs.set(job.id, entry);
    this.#timer ??= setInterval(() => this.sweep(), Math.min(1000, this.ttlMs / 4));
    this.#notify();
    o.signal.addEventListener("abort", wakeAll, { once: true });
    const local = async (slot: number) => {
      while (!o.signal.aborted && entry.open.size) {
        const item = entry.pending.shift();
        if (!item) {
          await changed(); // leased datums come back here when their lease lapses
          continue;
        }
        const outcome = await o.runLocal(item, slot);
        if (outcome) this.#settle(entry, item, outcome);
      }
    };
    try {
      const loops = Array.from({ length: o.localSlots }, (_, s) => local(s));
      while (!o.signal.aborted && entry.open.size) await changed();
      wakeAll();
      await Promise.all(loops);
    } finally {
      o.signal.removeEventListener("abort", wakeAll);
      this.#jobs.delete(job.id);
      for (const [id, l] of this.#leases) if (l.job.id === job.id) this.#leases.delete(id);
      if (!this.#jobs.size && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    }
  }

  /** Up to `max` datums of one job for `worker`, or null when nothing waits. */
  lease(worker: string, slots: number, max: number): Lease | null {
    this.sweep();
    this.#seen(worker, slots);
    for (const entry of this.#jobs.values()) {
      if (!entry.pending.length) continue;
      const items = entry.pending.splice(0, setSize(entry, Math.max(1, max), () => this.#activeWorkers()));
      const lease: Lease = { id: `${this.opts.newId()}${(this.#seq++).toString(16)}`, worker, job: entry.job, items, expiresAt: this.opts.now() + this.ttlMs, state: "active" };
      this.#leases.set(lease.id, lease);
      return lease;
    }
    return null;
  }

  /** Resolves when work may be waiting, after `ms`, when `signal` aborts, or at once after close(). */
  waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed || this.#hasPending()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Serve is stopping: wakes every waiting lease request (a long poll must not hold the server's stop). */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  get(id: string): Lease | undefined {
    return this.#leases.get(id);
  }

  heartbeat(worker: string, ids: string[], slots: number): Record<string, BeatAnswer> {
    this.sweep();
    this.#seen(worker, slots);
    const out: Record<string, BeatAnswer> = {};
    for (const id of ids) {
      const l = this.#leases.get(id);
      if (!l || l.worker !== worker || !this.#jobs.has(l.job.id)) out[id] = "ended";
      else if (l.state !== "active") out[id] = "expired";
      else {
        l.expiresAt = this.opts.now() + this.ttlMs;
        out[id] = "ok";
      }
    }
    return out;
  }

  /** Settles one datum of a lease with what the worker reported (already validated by the caller). */
  report(worker: string, leaseId: string, datum: string, outcome: DatumOutcome): ReportAnswer {
    const l = this.#leases.get(leaseId);
    const entry = l && this.#jobs.get(l.job.id);
    if (!l || !entry) return "gone";
    if (l.worker !== worker || !l.items.some((i) => i.id === datum)) return "unknown";
    const item = entry.open.get(datum);
    if (!item) return "duplicate";
    this.#settle(entry, item, { ...outcome, worker });
    const w = this.workers.get(worker);
    if (w) w.done++;
    return "ok";
  }

  /** A worker gives a lease back (it is stopping): what it did not report goes back to the queue. */
  release(worker: string, leaseId: string): boolean {
    const l = this.#leases.get(leaseId);
    if (!l || l.worker !== worker || l.state !== "active") return false;
    l.state = "released";
    this.#requeue(l);
    return true;
  }

  /** Expires lapsed leases, putting their unreported datums back at the front of the queue. */
  sweep(): void {
    const now = this.opts.now();
    for (const l of this.#leases.values()) {
      if (l.state === "active" && l.expiresAt <= now) {
        l.state = "expired";
        this.#requeue(l);
      }
    }
  }

  /** Whether datums wait while no worker has been heard of for two ttls (serve --local-slots 0 then waits for ever). */
  starving(): boolean {
    const now = this.opts.now();
    return this.#hasPending() && ![...this.workers.values()].some((w) => now - w.lastSeen < 2 * this.ttlMs);
  }

  /** Active leases: who holds how many unsettled datums of which job. */
  active(): { lease: string; worker: string; job: string; datums: number; expiresAt: number }[] {
    const out = [];
    for (const l of this.#leases.values()) {
      const entry = this.#jobs.get(l.job.id);
      if (l.state !== "active" || !entry) continue;
      out.push({ lease: l.id, worker: l.worker, job: l.job.id, datums: l.items.filter((i) => entry.open.has(i.id)).length, expiresAt: l.expiresAt });
    }
    return out;
  }

  #requeue(l: Lease): void {
    const entry = this.#jobs.get(l.job.id);
    if (!entry) return;
    const back: PlanItem[] = [];
    for (const item of l.items) {
      if (!entry.open.has(item.id) || entry.pending.includes(item)) continue;
      const n = (entry.requeues.get(item.id) ?? 0) + 1;
      entry.requeues.set(item.id, n);
      if (n > (this.opts.maxRequeues ?? MAX_REQUEUES)) {
        this.#settle(entry, item, { state: "failed", outputs: [], tries: 0, durationMs: 0, reason: `lost by workers ${n - 1} times (last: ${l.worker}): its lease lapsed every time`, worker: l.worker });
      } else back.push(item);
    }
    entry.pending.unshift(...back);
    entry.changed();
    this.#notify();
  }

  #settle(entry: Entry, item: PlanItem, outcome: DatumOutcome): void {
    if (!entry.open.delete(item.id)) return;
    const at = entry.pending.indexOf(item);
    if (at >= 0) entry.pending.splice(at, 1);
    entry.settle(item, outcome);
    entry.changed();
  }

  /** Workers heard from within two ttls (at least 1: the one asking). */
  #activeWorkers(): number {
    const now = this.opts.now();
    return Math.max(1, [...this.workers.values()].filter((w) => now - w.lastSeen < 2 * this.ttlMs).length);
  }

  #seen(worker: string, slots: number): void {
    const w = this.workers.get(worker) ?? { name: worker, slots, lastSeen: 0, done: 0 };
    w.slots = slots;
    w.lastSeen = this.opts.now();
    this.workers.set(worker, w);
  }

  #hasPending(): boolean {
    for (const e of this.#jobs.values()) if (e.pending.length) return true;
    return false;
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/**
 * How many of a job's pending datums one lease takes: at most `max` (what the
 * worker asked for), cut to the pipeline's datum_set_spec (Pachyderm's datum
 * sets, the unit a worker gets): `number` datums, datums up to `size_bytes`
 * of input (at least one), or the job's datums split into `per_worker` sets
 * per active worker. Always at least one.
 */
export function setSize(entry: { job: QueueJob; pending: PlanItem[]; total: number }, max: number, workers: () => number): number {
  const set = entry.job.spec.datumSetSpec;
  let n = max;
  if (!set) return n;
  if (set.number > 0) n = Math.min(n, set.number);
  if (set.perWorker > 0) n = Math.min(n, Math.ceil(entry.total / (workers() * set.perWorker)));
  if (set.sizeBytes > 0) {
    let bytes = 0;
    let i = 0;
    for (; i < Math.min(n, entry.pending.length); i++) {
      if (i > 0 && bytes >= set.sizeBytes) break;
      for (const input of entry.pending[i]!.datum?.inputs ?? []) bytes += input.size;
    }
    n = Math.min(n, i);
  }
  return Math.max(1, n);
}
