import { describe, expect, test } from "bun:test";
import type { ErrorCode } from "../../src/errors.ts";
import { checkName, normalizePath, parseFileArg, parseRepoRef, splitAncestry, type FileArg, type RepoRef } from "../../src/repo/paths.ts";
import { expectThrows } from "../helpers/errors.ts";

function expectError(fn: () => unknown, code: ErrorCode, message: string, hint?: string) {
  expectThrows(fn, { code, message, hint });
}

describe("normalizePath()", () => {
  // --- accepted ---
  test.each([
    ["/a/b", "/a/b"],
    ["a/b", "/a/b"],
    ["/", "/"],
    ["", "/"],
    [".", "/"],
    ["/a//b///c", "/a/b/c"],
    ["/a/./b/.", "/a/b"],
    ["./a", "/a"],
    ["/a/b/", "/a/b"],
    ["/a:b/c:", "/a:b/c:"],
    ["/...", "/..."],
    ["/..a/b..", "/..a/b.."],
    ["/ü 😀", "/ü 😀"],
  ])("normalizePath(%p) is %p", (p, want) => {
    expect(normalizePath(p)).toBe(want);
  });

  // --- rejected ---
  test.each(["..", "/..", "/a/../b", "a/..", "/a/./../../etc/passwd"])("normalizePath(%p) rejects '..' with a clear message", (p) => {
    expectError(() => normalizePath(p), "invalid", `path "${p}" contains "..": paths cannot leave the repo`, "give the path from the repo's root, e.g. /dir/file");
  });

  test.each(["/a\0b", "\0", "/a/\0"])("normalizePath(%p) rejects a NUL byte", (p) => {
    expectError(() => normalizePath(p), "invalid", `path ${JSON.stringify(p)} contains a NUL byte`);
  });
});

describe("parseRepoRef()", () => {
  test.each<[string, RepoRef]>([
    ["images", { repo: "images", ref: undefined }],
    ["images@master", { repo: "images", ref: "master" }],
    ["images@0a1b2c3d", { repo: "images", ref: "0a1b2c3d" }],
    ["images@master^2", { repo: "images", ref: "master^2" }],
  ])("parseRepoRef(%p) splits repo and ref", (arg, want) => {
    expect(parseRepoRef(arg)).toEqual(want);
  });

  test.each<[string, string, string]>([
    ["@master", `"@master" names no repo`, "write REPO@BRANCH, e.g. images@master"],
    ["", `"" names no repo`, "write REPO@BRANCH, e.g. images@master"],
    ["images@", `"images@" has an empty ref after "@"`, "write REPO@BRANCH, e.g. images@master"],
  ])("parseRepoRef(%p) is a usage error", (arg, message, hint) => {
    expectError(() => parseRepoRef(arg), "usage", message, hint);
  });
});

describe("parseFileArg()", () => {
  test.each<[string, FileArg]>([
    ["images@master:/cat.png", { repo: "images", ref: "master", path: "/cat.png" }],
    ["images:/cat.png", { repo: "images", ref: undefined, path: "/cat.png" }],
    ["images@master:cat.png", { repo: "images", ref: "master", path: "/cat.png" }],
    ["images@master:/a:b:c", { repo: "images", ref: "master", path: "/a:b:c" }],
    ["images@master::x", { repo: "images", ref: "master", path: "/:x" }],
    ["images@master:/a@b", { repo: "images", ref: "master", path: "/a@b" }],
    ["images@master^1:/d/", { repo: "images", ref: "master^1", path: "/d" }],
    ["images@0a1b:/x//y", { repo: "images", ref: "0a1b", path: "/x/y" }],
    ["images@master:", { repo: "images", ref: "master", path: "/" }],
    ["images@master", { repo: "images", ref: "master", path: "/" }],
    ["images", { repo: "images", ref: undefined, path: "/" }],
  ])("parseFileArg(%p) splits repo, ref and path", (arg, want) => {
    expect(parseFileArg(arg)).toEqual(want);
  });

  test("parseFileArg() keeps an '@' inside the PATH of REPO:PATH (no ref)", () => {
    expect(parseFileArg("images:/mail/a@b.txt")).toEqual({ repo: "images", ref: undefined, path: "/mail/a@b.txt" });
    expect(parseFileArg("images:/a@b:c")).toEqual({ repo: "images", ref: undefined, path: "/a@b:c" });
  });

  test("parseFileArg() requires a path when asked", () => {
    expectError(() => parseFileArg("images@master", { pathRequired: true }), "usage", `"images@master" names no path`, "write REPO@BRANCH:/path, e.g. images@master:/cat.png");
  });

  test("parseFileArg() refuses an empty path after ':' when a path is required (delete file repo@master: must not wipe the repo)", () => {
    expectError(() => parseFileArg("images@master:", { pathRequired: true }), "usage", `"images@master:" has an empty path after ":"`, "write the path from the repo's root, e.g. images@master:/file (or images@master:/ for the whole repo)");
    expect(parseFileArg("images@master:/", { pathRequired: true }).path).toBe("/");
    expect(parseFileArg("images@master:").path).toBe("/");
  });

  test("parseFileArg() rejects '..' in the path", () => {
    expectError(() => parseFileArg("images@master:/a/../../x"), "invalid", `path "/a/../../x" contains "..": paths cannot leave the repo`);
  });

  test("parseFileArg() rejects an empty ref", () => {
    expectError(() => parseFileArg("images@:/x"), "usage", `"images@" has an empty ref after "@"`);
  });
});

describe("splitAncestry()", () => {
  test.each<[string, string, number]>([
    ["master", "master", 0],
    ["master^", "master", 1],
    ["master^1", "master", 1],
    ["master^2", "master", 2],
    ["master^0", "master", 0],
    ["master^^", "master", 2],
    ["abc^1^1", "abc", 2],
    ["abc^2^^3", "abc", 6],
    ["master^10", "master", 10],
    ["0a1b2c3d^", "0a1b2c3d", 1],
  ])("splitAncestry(%p) is %p back %p", (ref, base, depth) => {
    expect(splitAncestry(ref)).toEqual({ base, depth });
  });

  test.each(["^", "^2", "^^"])("splitAncestry(%p) names no branch or commit", (ref) => {
    expectError(() => splitAncestry(ref), "usage", `ref "${ref}" names no branch or commit`);
  });
});

describe("checkName()", () => {
  test.each(["a", "A9", "images", "my-repo_2", "a".repeat(63), "0start", "x-y"])("checkName() accepts %p", (name) => {
    expect(checkName("repo", name)).toBe(name);
  });

  test.each(["", "-a", "a-", "_a", "a_", "a.b", "a b", "a/b", "a@b", "a:b", "ü", "a".repeat(64)])("checkName() rejects %p", (name) => {
    expectError(
      () => checkName("repo", name),
      "invalid",
      `repo name "${name}" is not valid`,
      "use letters, digits, '_' and '-', starting and ending with a letter or digit, at most 63 characters",
    );
  });

  test("checkName() names the kind in its message", () => {
    expectError(() => checkName("branch", "no good"), "invalid", `branch name "no good" is not valid`);
  });
});
