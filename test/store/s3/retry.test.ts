import { describe, expect, test } from "bun:test";
import { backoffMs, DEFAULT_RETRY, retryable } from "../../../src/store/s3/retry.ts";

describe("retryable()", () => {
  test.each([
    // status, S3 error code, retry?
    [500, undefined, true],
    [502, undefined, true],
    [503, "SlowDown", true],
    [429, undefined, true],
    [400, "RequestTimeout", true],
    [400, "InvalidArgument", false],
    [403, "AccessDenied", false],
    [403, "SignatureDoesNotMatch", false],
    [404, "NoSuchKey", false],
    [301, "PermanentRedirect", false],
  ] as const)("retryable(%d, %s) is %s", (status, code, want) => {
    expect(retryable(status, code)).toBe(want);
  });
});

describe("backoffMs()", () => {
  const p = { attempts: 6, baseMs: 100, capMs: 1000 };
  test.each([
    // retry, random(), wait
    [1, 0.999, 99],
    [2, 0.999, 199],
    [3, 0.5, 200],
    [4, 0.999, 799],
    [5, 0.999, 999], // capped
    [9, 0.999, 999],
    [3, 0, 0], // full jitter: may not wait at all
  ] as const)("retry %d with random() = %d waits %d ms", (retry, r, want) => {
    expect(backoffMs(p, retry, () => r)).toBe(want);
  });

  test("the default policy waits at most a few seconds in all", () => {
    let worst = 0;
    for (let r = 1; r < DEFAULT_RETRY.attempts; r++) worst += backoffMs(DEFAULT_RETRY, r, () => 0.999999);
    expect(worst).toBeLessThan(10_000);
  });
});
