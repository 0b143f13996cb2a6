// What calf reads of its process and machine, read once by main.ts (the only
// place that touches process.env, the cwd, the CPU count and the clock) and
// passed in: tests and a scheduler's timing then need no real environment or
// real waits.

/** Time: the wall clock, and the one way calf waits. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Host {
  /** The environment calf started with (a copy; transforms get it minus calf's secrets). */
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Processors to run datums on by default. */
  cpus: number;
  clock: Clock;
  /** How to start this calf again (absolute): the binary, or the runtime and the script (install-service's ExecStart). */
  self: string[];
}

/** sleep() on timers: the Clock every real process uses (main.ts); tests may pass their own. */
export function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
