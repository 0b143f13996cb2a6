// The soak's judgements, pure: the spout's sequence (no gap, no duplicate) and
// whether sampled resources grew. Values in, verdicts out; soak.ts does the I/O.

/** Where the stored sequence 1..n is broken, or null when it is exactly 1..n. */
export function sequenceProblem(numbers: number[]): string | null {
  const seen = new Set<number>();
  for (const n of numbers) {
    if (seen.has(n)) return `duplicate ${n}`;
    seen.add(n);
  }
  const max = numbers.length ? Math.max(...numbers) : 0;
  for (let i = 1; i <= max; i++) if (!seen.has(i)) return `gap at ${i} (of 1..${max})`;
  return null;
}

export interface Sample {
  /** Seconds since the soak began. */
  t: number;
  rssKiB: number;
  fds: number;
  tmpFiles: number;
  scratch: number;
  /** Processes of this soak still running (runner, spout, transforms). */
  procs: number;
}

export interface Limits {
  /** fds may exceed the first quarter's maximum by this many. */
  fdSlack: number;
  /** RSS may reach this factor of the first quarter's maximum... */
  rssFactor: number;
  /** ...plus this many KiB. */
  rssSlackKiB: number;
  tmpMax: number;
  scratchMax: number;
}

export const DEFAULT_LIMITS: Limits = { fdSlack: 16, rssFactor: 1.5, rssSlackKiB: 64 << 10, tmpMax: 500, scratchMax: 20 };

/** Growth between the first and the last quarter of the samples (by time), as failure lines. */
export function growthProblems(samples: Sample[], limits: Limits = DEFAULT_LIMITS): string[] {
  if (samples.length < 8) return ["too few samples to judge growth (run longer)"];
  const end = samples[samples.length - 1]!.t;
  const first = samples.filter((s) => s.t <= end / 4);
  const last = samples.filter((s) => s.t >= (end * 3) / 4);
  if (!first.length || !last.length) return ["too few samples to judge growth (run longer)"];
  const max = (xs: Sample[], k: keyof Sample) => Math.max(...xs.map((s) => s[k]));
  const out: string[] = [];
  if (max(last, "fds") > max(first, "fds") + limits.fdSlack) out.push(`open fds grew: ${max(first, "fds")} in the first quarter, ${max(last, "fds")} in the last`);
  if (max(last, "rssKiB") > max(first, "rssKiB") * limits.rssFactor + limits.rssSlackKiB) {
    out.push(`RSS grew: ${Math.round(max(first, "rssKiB") / 1024)} MiB in the first quarter, ${Math.round(max(last, "rssKiB") / 1024)} MiB in the last`);
  }
  if (max(samples, "tmpFiles") > limits.tmpMax) out.push(`temp files reached ${max(samples, "tmpFiles")} (at most ${limits.tmpMax})`);
  if (max(samples, "scratch") > limits.scratchMax) out.push(`scratch folders reached ${max(samples, "scratch")} (at most ${limits.scratchMax})`);
  return out;
}
