// The SSE wire form of the page's events (src/view/events.ts).
import { describe, expect, test } from "bun:test";
import { sseFrame, type ViewEvent } from "../../src/view/events.ts";
import { J } from "./_fixtures.ts";

describe("sseFrame()", () => {
  test("sseFrame() is one data line holding the event as JSON, then a blank line, even when a field has newlines", () => {
    const ev: ViewEvent = { type: "job", job: { ...J("j", "failure", "2026-01-01T00:00:00Z", null), reason: "line one\nline two" } };
    const frame = sseFrame(ev);
    expect(frame.endsWith("\n\n")).toBe(true);
    const lines = frame.slice(0, -2).split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith("data: ")).toBe(true);
    expect(JSON.parse(lines[0]!.slice("data: ".length))).toEqual(ev);
  });
});
