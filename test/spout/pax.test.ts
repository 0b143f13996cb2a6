import { describe, expect, test } from "bun:test";
import { parsePax } from "../../src/spout/pax.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("parsePax()", () => {
  test.each<[string, string, [string, string][]]>([
    ["one record", "11 path=ab\n", [["path", "ab"]]],
    ["two records, in order", "11 path=ab\n9 size=5\n", [["path", "ab"], ["size", "5"]]],
    ["a value with '=' and spaces", "17 comment=a = b\n", [["comment", "a = b"]]],
    ["a value with a newline inside", "12 path=a\nb\n", [["path", "a\nb"]]],
    ["an empty value (keyword deletion)", "8 path=\n\0\0\0", [["path", ""]]],
    ["UTF-8 (length in bytes)", "13 path=日b\n", [["path", "日b"]]],
    ["nothing", "", []],
  ])("parsePax() reads %s", (_name, text, records) => {
    expect(parsePax(enc(text))).toEqual({ records });
  });

  test.each<[string, Uint8Array, string]>([
    ["a length that is too long", enc("99 path=abc\n"), "record at offset 0 is not 99 bytes ending in a newline"],
    ["a length that is too short", enc("5 path=abc\n"), "record at offset 0 is not 5 bytes ending in a newline"],
    ["no length", enc("path=abc\n"), "record at offset 0 does not start with its length"],
    ["a leading zero", enc("011 path=ab\n"), "record at offset 0 does not start with its length"],
    ["no '='", enc("9 pathab\n"), "record at offset 0 has no KEYWORD=VALUE"],
    ["an empty keyword", enc("7 =abc\n"), "record at offset 0 has no KEYWORD=VALUE"],
    ["bytes that are not UTF-8", Uint8Array.of(...enc("10 path="), 0xff, 0x0a), "record at offset 0 is not valid UTF-8"],
    ["a bad second record", enc("11 path=ab\n4 x\n"), "record at offset 11 has no KEYWORD=VALUE"],
  ])("parsePax() refuses %s", (_name, body, reason) => {
    expect(parsePax(body)).toEqual({ reason });
  });
});
