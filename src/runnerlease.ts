// The runner lease (issue 14): a row in the database naming the runner, renewed
// every third of its ttl, so a runner on another host sharing a libSQL server
// sees the lock a local flock cannot show it; taken over when it lapses (or at
// once by this data dir on this host: the flock proves its holder dead).
import { CalfError } from "./errors.ts";
import type { Db } from "./db/client.ts";
import { dropLease, readLease, writeLease, type LeaseRow } from "./db/queries/runnerlease.ts";

export const RUNNER_LEASE_TTL_MS = 30_000;

export interface Me {
  holder: string;
  host: string;
  pid: number;
  lockPath: string;
}

const describe = (l: LeaseRow) => `pid ${l.pid} on ${l.host} (${l.lockPath.replace(/\/lock$/, "")})`;

export class RunnerLease {
  /** Set when another runner took the lease over: the runner must stop (exit 75). */
  lost: CalfError | null = null;
  onLost: (() => void) | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  private constructor(private readonly db: Db, private readonly me: Me, private readonly now: () => number, private readonly ttlMs: number) {}

  /** Takes the lease or throws a `locked` CalfError (exit 75) naming its holder. */
  static async acquire(db: Db, me: Me, now: () => number, ttlMs = RUNNER_LEASE_TTL_MS): Promise<RunnerLease> {
    await db.write(async (tx) => {
      const cur = await readLease(tx);
      const t = now();
      const mine = !cur || cur.expiresMs <= t || cur.holder === me.holder || (cur.host === me.host && cur.lockPath === me.lockPath);
      if (!mine) {
        throw new CalfError("locked", `another calf runner, ${describe(cur)}, holds this database's runner lease (renewed ${cur.renewed}, lapses in ${Math.ceil((cur.expiresMs - t) / 1000)} s)`, {
          hint: "one runner per database: stop that one first, or wait for its lease to lapse if it died",
        });
      }
      await writeLease(tx, { ...me, expiresMs: t + ttlMs, renewed: new Date(t).toISOString() });
    });
    const lease = new RunnerLease(db, me, now, ttlMs);
    lease.#timer = setInterval(() => void lease.renew(), Math.max(50, ttlMs / 3));
    return lease;
  }

  /** Renews the lease; finding it taken sets `lost`. */
  async renew(): Promise<void> {
    if (this.lost) return;
    try {
      await this.db.write(async (tx) => {
        const cur = await readLease(tx);
        const t = this.now();
        if (cur && cur.holder !== this.me.holder) {
          this.lost = new CalfError("locked", `this runner's lease lapsed and another calf runner, ${describe(cur)}, took it over`, {
            hint: "this runner stopped so that only one runs jobs; a runner stalled longer than its lease (CALF_RUNNER_LEASE_TTL) loses it",
          });
          return;
        }
        await writeLease(tx, { ...this.me, expiresMs: t + this.ttlMs, renewed: new Date(t).toISOString() });
      });
    } catch {
      // The database did not answer this time; the next renewal tries again before the lease lapses.
    }
    if (this.lost) {
      this.stop();
      this.onLost?.();
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Gives the lease up (a clean stop): the next runner need not wait for it to lapse. */
  async release(): Promise<void> {
    this.stop();
    if (!this.lost) await this.db.write((tx) => dropLease(tx, this.me.holder)).catch(() => {});
  }
}
