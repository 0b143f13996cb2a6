// The request guards' pure parts (src/api/guard.ts): the Host header's name as
// the DNS-rebinding guard sees it, and the token comparison. The guards over
// real sockets are in attacks.test.ts.
import { describe, expect, test } from "bun:test";
import { hostName, tokenMatches } from "../../src/api/guard.ts";

describe("hostName()", () => {
  // --- what browsers and clients send ---
  test.each([
    ["localhost", "localhost"],
    ["localhost:7070", "localhost"],
    ["LOCALHOST:7070", "localhost"],
    ["127.0.0.1:80", "127.0.0.1"],
    ["[::1]", "[::1]"],
    ["[::1]:7070", "[::1]"],
    ["calf.example.com:443", "calf.example.com"],
    ["my_service:7070", "my_service"],
    [" localhost ", "localhost"],
  ])("hostName(%p) is %p", (header, name) => {
    expect(hostName(header)).toBe(name);
  });

  // --- what no browser sends: not a host at all, so "" (never a loopback name it starts with) ---
  test.each([
    undefined, "", "localhost:80@evil.example", "localhost@evil.example", "[::1]evil.example", "[::1]:80@evil.example",
    "localhost:80/x", "localhost/evil", "localhost:abc", "localhost:", "localhost:123456", "127.0.0.1:7070:1", "[::1",
    "localhost:80 evil.example", "localhost\tevil", "localhost.", "-localhost", "local\u0000host", "xn--localhost:80#",
  ])("hostName(%p) is \"\"", (header) => {
    expect(hostName(header)).toBe("");
  });
});

describe("tokenMatches()", () => {
  test.each([
    ["Bearer s3cret", true],
    ["Bearer s3cre", false],
    ["Bearer s3cret ", false],
    ["bearer s3cret", false],
    ["s3cret", false],
    [undefined, false],
  ])("tokenMatches(%p, \"s3cret\") is %p", (given, want) => {
    expect(tokenMatches(given, "s3cret")).toBe(want);
  });
});
