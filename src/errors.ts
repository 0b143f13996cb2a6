// calf's error classes. Few, each with a code that main.ts maps to an exit
// code (SPEC §2) and api/ maps to an HTTP status. Never throw strings.

export type ErrorCode =
  | "usage" // bad command line
  | "invalid" // bad spec, bad input value
  | "not_found" // a name or ref that does not exist
  | "conflict" // refused because of current state (e.g. repo in use)
  | "failed" // a job, datum or operation failed at run time
  | "locked"; // another calf holds the write lock

export class CalfError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "CalfError";
    this.code = code;
    this.hint = opts.hint;
  }
}

export const usageError = (msg: string, hint?: string) => new CalfError("usage", msg, { hint });
export const invalid = (msg: string, hint?: string) => new CalfError("invalid", msg, { hint });
export const notFound = (msg: string, hint?: string) => new CalfError("not_found", msg, { hint });
export const conflict = (msg: string, hint?: string) => new CalfError("conflict", msg, { hint });
export const failed = (msg: string, hint?: string) => new CalfError("failed", msg, { hint });

/** Exit code for an error (SPEC §2): 1 run-time failure, 2 bad input, 75 locked. */
export function exitCodeOf(err: unknown): number {
  if (!(err instanceof CalfError)) return 1;
  switch (err.code) {
    case "failed":
      return 1;
    case "locked":
      return 75;
    default:
      return 2;
  }
}

/** Error codes that mean "the disk (or the quota, or the database file) is full". */
const FULL_CODES = new Set(["ENOSPC", "EDQUOT", "SQLITE_FULL"]);

/** Whether `err` (or an error it wraps) says the disk or the database is full: ENOSPC, EDQUOT, SQLITE_FULL. */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (FULL_CODES.has(String((e as { code?: unknown }).code))) return true;
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === "string" && /^(ENOSPC|EDQUOT|SQLITE_FULL)\b|database or disk is full/.test(msg)) return true;
  }
  return false;
}

/** "no space left on device (write /data/tmp/obj-1-2)": the why of a disk-full error, with what the system was doing. */
export function diskFullReason(err: unknown): string {
  const e = err as { code?: unknown; syscall?: unknown; path?: unknown; message?: unknown };
  if (String(e.code) === "SQLITE_FULL" || /SQLITE_FULL|database or disk is full/.test(String(e.message))) {
    return "no space left on device (the database could not grow: SQLITE_FULL)";
  }
  const what = [e.syscall, e.path].filter((x) => typeof x === "string" && x).join(" ");
  const why = String(e.code) === "EDQUOT" ? "disk quota exceeded" : "no space left on device";
  return what ? `${why} (${what})` : why;
}

/** One error line for a disk-full failure of `what` ("put file r@master:/x"); run-time failure, exit 1. */
export function diskFull(what: string, cause: unknown): CalfError {
  return new CalfError("failed", `${what}: ${diskFullReason(cause)}`, {
    hint: "free space where the data dir lives (df -h), then run it again: nothing partial was committed, and calf gc removes what the failed write left",
    cause,
  });
}
