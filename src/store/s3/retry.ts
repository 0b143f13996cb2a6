// When and how long to wait before retrying an S3 request: bounded attempts,
// exponential backoff with full jitter (AWS's "Exponential Backoff And
// Jitter"), on network errors, 5xx, 429 and S3's throttling codes. Pure.

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The first retry waits up to this long; each later one up to twice the one before. */
  baseMs: number;
  /** No wait is longer than this. */
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 100, capMs: 5_000 };

/** S3 error codes that say "try again" even on a 4xx status. */
const RETRY_CODES = new Set(["RequestTimeout", "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "InternalError", "ServiceUnavailable"]);

/** Whether a response with this status (and S3 error code, when known) is worth another try. */
export function retryable(status: number, code?: string): boolean {
  return status >= 500 || status === 429 || (code !== undefined && RETRY_CODES.has(code));
}

/** The wait before retry number `retry` (1 = the first retry): uniform in [0, min(cap, base * 2^(retry-1))]. */
export function backoffMs(p: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(p.capMs, p.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
