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
