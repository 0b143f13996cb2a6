import { describe, expect, test } from "bun:test";
import { checkEntryName } from "../../src/spout/names.ts";

describe("checkEntryName()", () => {
  // --- accepted: normalised to an absolute repo path ---
  test.each<[string, string, boolean]>([
    ["a", "/a", false],
    ["a/b/c.txt", "/a/b/c.txt", false],
    ["./a", "/a", false],
    ["a//b/./c", "/a/b/c", false],
    ["dir/", "/dir", true],
    ["./", "/", true],
    ["..a/b..", "/..a/b..", false],
    ["é ü/日本", "/é ü/日本", false],
  ])("checkEntryName(%p) accepts it as %p (dir: %p)", (raw, path, dir) => {
    expect(checkEntryName(raw)).toEqual({ path, dir });
  });

  // --- refused, with the reason ---
  test.each<[string, string]>([
    ["../x", `".." segments are refused; entry names must stay inside the output repo`],
    ["a/../../x", `".." segments are refused; entry names must stay inside the output repo`],
    ["a/..", `".." segments are refused; entry names must stay inside the output repo`],
    ["/etc/passwd", "absolute paths are refused; entry names are relative to the output repo"],
    ["//x", "absolute paths are refused; entry names are relative to the output repo"],
    ["a\0b", "the name contains a NUL byte"],
    ["", "the name is empty"],
  ])("checkEntryName(%p) refuses it", (raw, reason) => {
    expect(checkEntryName(raw)).toEqual({ reason });
  });
});
