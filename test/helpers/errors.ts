// Test helper: assert that code fails with a CalfError of a given code and
// message (STYLE habit 5: error tests check the class AND the message).
import { expect } from "bun:test";
import { CalfError, type ErrorCode } from "../../src/errors.ts";

export interface Expected {
  code: ErrorCode;
  message: string | RegExp;
  hint?: string | RegExp;
}

function check(err: unknown, want: Expected): CalfError {
  expect(err).toBeInstanceOf(CalfError);
  const e = err as CalfError;
  expect({ code: e.code, message: e.message }).toEqual({
    code: want.code,
    message: typeof want.message === "string" ? want.message : expect.stringMatching(want.message),
  });
  if (want.hint !== undefined) {
    if (typeof want.hint === "string") expect(e.hint).toBe(want.hint);
    else expect(e.hint).toMatch(want.hint);
  }
  return e;
}

/** `fn()` throws the expected CalfError; returns it. */
export function expectThrows(fn: () => unknown, want: Expected): CalfError {
  try {
    fn();
  } catch (err) {
    return check(err, want);
  }
  throw new Error(`expected a CalfError (${want.code}: ${want.message}), but nothing was thrown`);
}

/** `p` rejects with the expected CalfError; returns it. */
export async function expectRejects(p: Promise<unknown>, want: Expected): Promise<CalfError> {
  const outcome = await p.then(
    (v) => ({ ok: true as const, v }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  if (outcome.ok) throw new Error(`expected a CalfError (${want.code}: ${want.message}), but it resolved`);
  return check(outcome.err, want);
}
