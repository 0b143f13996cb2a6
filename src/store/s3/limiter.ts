// Bounds what the S3 driver has in flight: at most `slots` requests at once,
// and at most `bytes` of request bodies held in memory (one body bigger than
// that still goes, alone). Waiters are served in arrival order.

export class Limiter {
  readonly slots: number;
  readonly bytes: number;
  #active = 0;
  #held = 0;
  #queue: { weight: number; go: () => void }[] = [];

  constructor(slots: number, bytes: number) {
    this.slots = Math.max(1, slots);
    this.bytes = Math.max(1, bytes);
  }

  /** Runs `fn` once a slot and `weight` bytes of budget are free. */
  async run<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    await this.#acquire(weight);
    try {
      return await fn();
    } finally {
      this.#release(weight);
    }
  }

  /** Takes a slot and `weight` bytes; the caller must call the returned release once. */
  async take(weight: number): Promise<() => void> {
    await this.#acquire(weight);
    let done = false;
    return () => {
      if (!done) this.#release(weight);
      done = true;
    };
  }

  #fits(weight: number): boolean {
    return this.#active < this.slots && (this.#held + weight <= this.bytes || this.#active === 0);
  }

  #acquire(weight: number): Promise<void> {
    if (this.#queue.length === 0 && this.#fits(weight)) {
      this.#active++;
      this.#held += weight;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push({ weight, go: resolve }));
  }

  #release(weight: number): void {
    this.#active--;
    this.#held -= weight;
    while (this.#queue.length > 0 && this.#fits(this.#queue[0]!.weight)) {
      const next = this.#queue.shift()!;
      this.#active++;
      this.#held += next.weight;
      next.go();
    }
  }
}
