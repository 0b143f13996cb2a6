// The suite's time budget. Every series runs at least one round; a further
// round runs only while the suite's elapsed time plus the last round's length
// stays within the budget, so a slow calf shortens medians (marked n=1 or 2
// in the table) instead of overrunning the wall-clock limit.
import { performance } from "node:perf_hooks";

export class Budget {
  private readonly t0 = performance.now();

  /** limitMs 0 = no budget. */
  constructor(readonly limitMs: number) {}

  elapsedMs(): number {
    return performance.now() - this.t0;
  }

  /** Whether another round of about `roundMs` still fits. */
  fits(roundMs: number): boolean {
    return this.limitMs <= 0 || this.elapsedMs() + roundMs <= this.limitMs;
  }
}

/**
 * Calls `round(i)` for i = 0..planned-1, interleaving the tools inside each
 * round, and stops early when the next round would not fit the budget.
 * Returns how many rounds ran.
 */
export function repeat(planned: number, budget: Budget, round: (i: number) => void): number {
  let done = 0;
  for (let i = 0; i < planned; i++) {
    const t0 = performance.now();
    round(i);
    done++;
    if (i + 1 < planned && !budget.fits(performance.now() - t0)) break;
  }
  return done;
}
