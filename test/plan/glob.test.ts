import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import picomatch from "picomatch";
import { compileGlob, expandTemplate, GlobSyntaxError, globEntries, invalidGlobReason, normalizeGlob } from "../../src/plan/glob.ts";
import type { Entry } from "../../src/plan/types.ts";

const entry = (path: string, type: Entry["type"] = "file"): Entry => ({ path, type, hash: `h:${path}`, size: 1 });

/** Every file and dir of the conformance repo (SPEC §4.1, scenario 05-glob). */
const repo: Entry[] = [
  entry("/", "dir"),
  entry("/a.txt"),
  entry("/b.csv"),
  entry("/dir1", "dir"),
  entry("/dir1/x.txt"),
  entry("/dir1/sub", "dir"),
  entry("/dir1/sub/y.txt"),
  entry("/dir2", "dir"),
  entry("/dir2/z.txt"),
];
const paths = (glob: string, entries = repo) => globEntries(entries, glob).map((m) => m.entry.path);

describe("globEntries()", () => {
  // --- conformance scenario 05-glob and the root datum ---
  test.each([
    ["/*", ["/a.txt", "/b.csv", "/dir1", "/dir2"]],
    ["/*/*", ["/dir1/sub", "/dir1/x.txt", "/dir2/z.txt"]],
    ["/{a,b}*", ["/a.txt", "/b.csv"]],
    ["/**.txt", ["/a.txt", "/dir1/sub/y.txt", "/dir1/x.txt", "/dir2/z.txt"]],
    ["/", ["/"]],
    // --- more shapes ---
    ["/**", ["/a.txt", "/b.csv", "/dir1", "/dir1/sub", "/dir1/sub/y.txt", "/dir1/x.txt", "/dir2", "/dir2/z.txt"]],
    ["*", ["/a.txt", "/b.csv", "/dir1", "/dir2"]],
    ["dir1/*", ["/dir1/sub", "/dir1/x.txt"]],
    ["/dir1/", ["/dir1"]],
    ["//dir1//*", ["/dir1/sub", "/dir1/x.txt"]],
    ["/dir?", ["/dir1", "/dir2"]],
    ["/[ab].*", ["/a.txt", "/b.csv"]],
    ["/[!a]*", ["/b.csv", "/dir1", "/dir2"]],
    ["/dir[1-2]/*.txt", ["/dir1/x.txt", "/dir2/z.txt"]],
    ["/+(a|b).*", ["/a.txt", "/b.csv"]],
    ["/@(a).txt", ["/a.txt"]],
    ["/!(a).*", ["/b.csv"]],
    ["/*/!(x).txt", ["/dir2/z.txt"]],
    ["/dir1/**", ["/dir1/sub", "/dir1/sub/y.txt", "/dir1/x.txt"]],
    ["/nothing*", []],
  ])("globEntries() selects %p as %p", (glob, expected) => {
    expect(paths(glob)).toEqual(expected);
  });

  test("globEntries() selects nothing in an empty commit, even with the glob /", () => {
    expect(paths("/", [entry("/", "dir")])).toEqual([]);
    expect(paths("/*", [])).toEqual([]);
  });

  test("globEntries() orders byte-wise (UTF-8), not by UTF-16 code units", () => {
    // U+FFFD is EF BF BD in UTF-8, U+1F600 is F0 9F 98 80: U+FFFD sorts first
    // byte-wise, although "\u{1F600}" < "\uFFFD" in JS string comparison.
    const entries = [entry("/\u{1F600}"), entry("/\uFFFD"), entry("/z"), entry("/Z")];
    expect(paths("/*", entries)).toEqual(["/Z", "/z", "/\uFFFD", "/\u{1F600}"]);
  });

  test("globEntries() result is independent of the listing's order", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(repo, { minLength: repo.length }), fc.constantFrom("/*", "/**", "/*/*", "/(*)/*.txt"), (shuffled, glob) => {
        expect(globEntries(shuffled, glob)).toEqual(globEntries(repo, glob));
      }),
    );
  });

  test("globEntries() returns $0 and capture groups for each match", () => {
    expect(globEntries(repo, "/(*)/(*).txt").map((m) => m.captures)).toEqual([
      ["/dir1/x.txt", "dir1", "x"],
      ["/dir2/z.txt", "dir2", "z"],
    ]);
  });
});

describe("compileGlob()", () => {
  // --- * ? and ** against "/" ---
  test.each([
    ["/*", "/a/b", false],
    ["/*", "/", false],
    ["/**", "/", false],
    ["/?", "/ab", false],
    ["/a?c", "/a/c", false],
    ["/a**c", "/a/b/c", true],
    ["/a/**/c", "/a/c", false], // Pachyderm: `**` is plain `.*`, so "/**/" needs two slashes
    ["/a/**/c", "/a/b/x/c", true],
    ["/?", "/\u{1F600}", true], // ? is one character (code point), not one UTF-16 unit
    ["/*.txt", "/.hidden.txt", true], // dotfiles are ordinary names
    ["/a.txt", "/aXtxt", false], // "." is literal
    ["/a+b", "/a+b", true], // "+" without "(" is literal
    ["/a@b!c", "/a@b!c", true],
    ["/a|b", "/a|b", true],
    ["/a,b", "/a,b", true],
    ["/\\*", "/*", true],
    ["/\\*", "/a", false],
    ["/\\(x\\)", "/(x)", true],
    ["/a)", "/a)", true], // outside a group ")" and "|" are text (ohmyglob)
    ["/a}", "/a}", true], // outside braces "}" and "," are text
    ["/{a,b)}", "/b)", true],
    // --- classes: as in Pachyderm, a class matches any character it admits, "/" included ---
    ["/a[!b]c", "/a/c", true],
    ["/a[+-0]c", "/a/c", true],
    ["/a[+-0]c", "/a.c", true],
    ["/a[!b/]c", "/a/c", false],
    ["/[a\\]]", "/]", true],
    ["/[[:digit:]]", "/7", true],
    ["/[[:digit:]]", "/x", false],
    ["/[^a]", "/b", true],
    // --- braces ---
    ["/{a,b/c}", "/b/c", true],
    ["/{a,{b,c}d}", "/cd", true],
    ["/x{,y}", "/x", true],
    // --- extglobs ---
    ["/+(ab)", "/ababab", true],
    ["/+(ab)", "/", false],
    ["/x*(ab)", "/x", true],
    ["/x?(ab)", "/xabab", false],
    ["/!(a)", "/a", false],
    ["/!(a)", "/aa", true],
    ["/a!(b)c", "/abc", false],
    // --- negation scope as ohmyglob has it: followed by more pattern, !(x) means "does not start with x" ---
    ["/a!(b)c", "/abbc", false],
    ["/a!(b)c", "/axbc", true],
    ["/!(foo)*", "/bar", true],
    ["/!(foo)*", "/foobar", false],
    ["/!(foo)*", "/foo", false],
    ["/!(foo)", "/foobar", true], // nothing follows: "is not foo"
    ["/!(!(foo))", "/foo", true],
    ["/!(!(foo))", "/bar", false],
    ["/*.!(js)", "/foo.js.js", true],
    ["/*.!(js)*", "/foo.js.js", false],
    // --- "**(" is "*" then "*(" ---
    ["/ab**(e|f)", "/ab", true],
    ["/ab**(e|f)", "/abcdef", true],
    ["/ab**(e|f)g", "/abef", false],
    ["/!(*.txt)", "/a.txt", false],
    ["/!(*.txt)", "/a.csv", true],
  ])("compileGlob(%p).match(%p) is %p", (glob, path, expected) => {
    expect(compileGlob(glob).match(path) !== null).toBe(expected);
  });

  // --- capture groups: ( ) and extglobs capture, braces do not (pachyderm/ohmyglob) ---
  test.each([
    ["/l-(*).txt", "/l-12.txt", ["12"]],
    ["/(????-??-??)-*.log", "/2026-01-01-a.log", ["2026-01-01"]],
    ["/(*)-(*).txt", "/a-b-c.txt", ["a-b", "c"]], // * is greedy
    ["/test/(a|b)/(*).go", "/test/a/x.go", ["a", "x"]],
    ["/test/+(a|b)/(*).go", "/test/ab/x.go", ["ab", "x"]],
    ["/test/@(a|b)/@(*).go", "/test/a/x.go", ["a", "x"]],
    ["/test/a*(a|b)/*(*).go", "/test/aaaa/x.go", ["aaa", "x"]],
    ["/test/a?(a|b)/?(*).go", "/test/aa/x.go", ["a", "x"]],
    ["/test/a?(a|b)/x.go", "/test/a/x.go", [""]],
    ["/test*(/?(+(a|b)/*.go))", "/test/a/x.go", ["/a/x.go", "a/x.go", "a"]],
    ["/{a,b}/(*)", "/b/c", ["c"]],
    ["/(**)/(*).txt", "/dir1/sub/y.txt", ["dir1/sub", "y"]],
    ["/!(x)-(*)", "/ab-c", ["ab", "c"]],
    ["/x(*)", "/x", [""]],
  ])("compileGlob(%p).match(%p) captures %p", (glob, path, groups) => {
    expect(compileGlob(glob).match(path)).toEqual([path, ...groups]);
  });

  test.each([
    ["/*", 0],
    ["/(*)/(*)", 2],
    ["/+(a|(b))", 2],
    ["/{a,b}", 0],
    ["/!(a)", 1],
  ])("compileGlob(%p).captureCount is %p", (glob, n) => {
    expect(compileGlob(glob).captureCount).toBe(n);
  });

  test("compileGlob() throws GlobSyntaxError with the reason for a malformed glob", () => {
    expect(() => compileGlob("/a[b")).toThrow(GlobSyntaxError);
    expect(() => compileGlob("/a[b")).toThrow(expect.objectContaining({ code: "invalid", offset: 2 }));
    expect(() => compileGlob("/a[b")).toThrow('invalid glob "/a[b": unclosed "[" at offset 2 (add "]", or escape it as "\\[")');
  });

  test("compileGlob() agrees with picomatch on globs both understand", () => {
    // Literals, * ? [..] [^..] {..}: no ** (Pachyderm's `**` is `.*`, picomatch's
    // is globstar), no ( ) (captures here, regex groups there), no [!..]
    // (picomatch 4 reads "[!a]" as the class {!, a}).
    // A class admits "/" in Pachyderm, not in picomatch: "[^a/]" keeps both sides agreeing.
    const token = fc.constantFrom("a", "b", ".", "*", "?", "[ab]", "[^a/]", "{a,b}", "{a,.b}", "{,a}");
    const globSegment = fc.array(token, { minLength: 1, maxLength: 4 }).map((t) => t.join(""));
    const glob = fc
      .array(globSegment, { minLength: 1, maxLength: 3 })
      .filter((s) => s.every((seg) => seg !== "." && seg !== "..")) // Pachyderm cleans those away (normalizeGlob)
      .map((s) => "/" + s.join("/"))
      .filter((g) => !g.includes("**"));
    const pathSegment = fc.stringMatching(/^[ab.]{1,3}$/).filter((s) => s !== "." && s !== "..");
    const path = fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => "/" + s.join("/"));
    fc.assert(
      fc.property(glob, path, (g, p) => {
        expect(compileGlob(g).match(p) !== null).toBe(picomatch.isMatch(p, g, { dot: true }));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("normalizeGlob()", () => {
  test.each([
    ["/", "/"],
    ["*", "/*"],
    ["a/b/", "/a/b"],
    ["//a///b", "/a/b"],
    ["/a\\/", "/a\\"], // Go's path.Clean knows no escapes
    ["///", "/"],
    ["/a/./b", "/a/b"],
    ["/a/../b", "/b"],
    ["/..", "/"],
    ["a/../../b", "/../b"],
  ])("normalizeGlob(%p) is %p", (glob, expected) => {
    expect(normalizeGlob(glob)).toBe(expected);
  });
});

describe("invalidGlobReason()", () => {
  test.each([
    ["/*", null],
    ["/", null],
    ["/a\\[", null],
    ["", 'glob is empty (use "/" for the whole repo as one datum, "/*" for one datum per top-level entry)'],
    ["/a[b", 'unclosed "[" at offset 2 (add "]", or escape it as "\\[")'],
    ["/[]", '"[" at offset 1 starts an empty class (escape brackets as "\\[" and "\\]" for literals)'],
    ["/[]]", '"[" at offset 1 starts an empty class (escape brackets as "\\[" and "\\]" for literals)'],
    ["/[!]", '"[" at offset 1 starts a negated class of nothing (escape brackets as "\\[" and "\\]" for literals)'],
    ["/{a,b", 'unclosed "{" at offset 1 (add "}", or escape it as "\\{")'],
    ["/(a|b", 'unclosed "(" at offset 1 (add ")", or escape it as "\\(")'],
    ["/+(a", 'unclosed "(" at offset 1 (add ")", or escape it as "\\(")'],
    ["/{a,(b|c)}", 'unclosed "(" at offset 4 (add ")", or escape it as "\\("; between "{" and "}", Pachyderm reads a group\'s "|" and ")" as text)'],
    ["/(a+|b)", '"+" at offset 3 is not followed by "(", so Pachyderm reads "+|b)" as plain text and the group or braces around it never close (escape it as "\\+")'],
    ["/^(a)", '"^(" at offset 1 is not a group (use "!(" to negate, or escape it as "\\^(")'],
    ["/a\\", 'trailing "\\" escapes nothing (write "\\\\" for a literal backslash)'],
    ["/[z-a]", 'range "z-a" is out of order (write "a-z")'],
    ["/[[:alpah:]]", 'unknown character class "[:alpah:]" (known: alnum, alpha, ascii, blank, cntrl, digit, graph, lower, print, punct, space, upper, word, xdigit)'],
  ])("invalidGlobReason(%p) is %p", (glob, reason) => {
    expect(invalidGlobReason(glob)).toBe(reason);
  });
});

describe("expandTemplate()", () => {
  const captures = ["/l-1-x.txt", "1", "x"];
  test.each([
    ["$1", "1"],
    ["$0", "/l-1-x.txt"],
    ["$1-$2", "1-x"],
    ["${1}2", "12"],
    ["$12", ""], // digits are read greedily, like Go's regexp.Expand
    ["$3", ""],
    ["$$1", "$1"],
    ["a$", "a$"],
    ["plain", "plain"],
  ])("expandTemplate(%p) is %p", (template, expected) => {
    expect(expandTemplate(template, captures)).toBe(expected);
  });
});
