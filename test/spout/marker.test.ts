import { describe, expect, test } from "bun:test";
import { isMarkerPath } from "../../src/spout/marker.ts";

describe("isMarkerPath()", () => {
  test.each<[string, string, boolean]>([
    ["/offset", "offset", true],
    ["/offset/a", "offset", true],
    ["/offset/a/b", "offset", true],
    ["/offset2", "offset", false],
    ["/offsets/a", "offset", false],
    ["/a/offset", "offset", false],
    ["/", "offset", false],
  ])("isMarkerPath(%p, %p) is %p", (path, name, want) => {
    expect(isMarkerPath(path, name)).toBe(want);
  });
});
