// How every transform is stopped, in one place (SPEC §4.5): a timeout or an
// abort sends SIGTERM, and SIGKILL follows after a grace period unless the
// process is gone first. Datums (in a sandbox or not) and spouts all go
// through `supervise`.

/** How long a stopped or timed-out transform gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;

/** The two ways to end a running transform: politely, then not. */
export interface Stoppable {
  term(): void;
  kill(): void;
}

export interface Ended {
  /** The exit code, or null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  /** `timeoutMs` passed before it ended. */
  timedOut: boolean;
}

/**
 * Waits for `done`, stopping the process when `timeoutMs` passes or `signal`
 * aborts: `term()` at once, `kill()` after `graceMs`. `done` resolves with
 * how it exited; the timeout is added here.
 */
export async function supervise(
  p: Stoppable,
  done: Promise<{ exitCode: number | null; signal: string | null }>,
  opts: { timeoutMs?: number; signal?: AbortSignal; graceMs?: number },
): Promise<Ended> {
  let timedOut = false;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    if (grace) return;
    p.term();
    grace = setTimeout(() => p.kill(), opts.graceMs ?? KILL_GRACE_MS);
  };
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), stop()), opts.timeoutMs);
  opts.signal?.addEventListener("abort", stop, { once: true });
  if (opts.signal?.aborted) stop();
  try {
    const r = await done;
    return { exitCode: r.exitCode, signal: r.signal, timedOut };
  } finally {
    clearTimeout(timer);
    clearTimeout(grace);
    opts.signal?.removeEventListener("abort", stop);
  }
}
