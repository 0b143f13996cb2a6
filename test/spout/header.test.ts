import { describe, expect, test } from "bun:test";
import { checksumOk, entryType, isZeroBlock, nameField, parseNumber, quoteBytes, stripNuls } from "../../src/spout/header.ts";
import { rawHeader } from "./_tars.ts";

const field = (bytes: number[] | string, len = 12) => {
  const b = new Uint8Array(len);
  b.set(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
  return b;
};

describe("parseNumber()", () => {
  test.each<[string, Uint8Array, number | null]>([
    ["octal, NUL-terminated", field("00000000644\0"), 0o644],
    ["octal, space-terminated", field("644 "), 0o644],
    ["octal with leading spaces", field("   644\0"), 0o644],
    ["an empty field", field(""), 0],
    ["the largest octal size (8 GiB - 1)", field("77777777777\0"), 8 * 2 ** 30 - 1],
    ["base-256", field([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x58]), 600],
    ["base-256 beyond 8 GiB", field([0x80, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0]), 2 ** 33],
    ["a non-octal digit", field("00000000648\0"), null],
    ["garbage after the terminator", field("644\0x"), null],
    ["base-256 negative", field([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), null],
    ["base-256 beyond 2^53", field([0x80, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]), null],
  ])("parseNumber() reads %s", (_name, b, want) => {
    expect(parseNumber(b, 0, b.length)).toBe(want);
  });
});

describe("checksumOk()", () => {
  test("checksumOk() accepts a well-formed header and refuses one off by one", () => {
    expect(checksumOk(rawHeader({ name: "a" }))).toBe(true);
    expect(checksumOk(rawHeader({ name: "a", badChecksum: true }))).toBe(false);
  });

  test("checksumOk() accepts the signed sum old tars wrote", () => {
    const b = rawHeader({ name: Uint8Array.of(0xc3, 0xa9) });
    let signed = 0;
    for (let i = 0; i < 512; i++) signed += i >= 148 && i < 156 ? 0x20 : b[i]! > 127 ? b[i]! - 256 : b[i]!;
    b.set(new TextEncoder().encode(signed.toString(8).padStart(6, "0") + "\0 "), 148);
    expect(checksumOk(b)).toBe(true);
  });
});

describe("nameField()", () => {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  test.each<[string, Parameters<typeof rawHeader>[0], string]>([
    ["POSIX ustar joins prefix and name", { name: "n", prefix: "p/q", magic: "posix" }, "p/q/n"],
    ["POSIX ustar without a prefix", { name: "n", magic: "posix" }, "n"],
    ["GNU ignores the prefix area", { name: "n", prefix: "junk", magic: "gnu" }, "n"],
    ["v7 ignores the prefix area", { name: "n", prefix: "junk", magic: "v7" }, "n"],
    ["a 100-byte name has no NUL", { name: "x".repeat(100) }, "x".repeat(100)],
  ])("nameField(): %s", (_name, h, want) => {
    expect(text(nameField(rawHeader(h)))).toBe(want);
  });
});

describe("entryType()", () => {
  test.each<[string, ReturnType<typeof entryType>]>([
    ["0", { kind: "file", hasData: true }],
    ["\0", { kind: "file", hasData: true }],
    ["7", { kind: "file", hasData: true }],
    ["5", { kind: "dir", hasData: false }],
    ["D", { kind: "dir", hasData: true }],
    ["1", { kind: "other", what: "a hard link", hasData: false }],
    ["2", { kind: "other", what: "a symbolic link", hasData: false }],
    ["3", { kind: "other", what: "a character device", hasData: false }],
    ["4", { kind: "other", what: "a block device", hasData: false }],
    ["6", { kind: "other", what: "a FIFO", hasData: false }],
    ["S", { kind: "other", what: 'of unsupported type "S"', hasData: true }],
  ])("entryType(%p)", (flag, want) => {
    expect(entryType(flag)).toEqual(want);
  });
});

describe("small helpers", () => {
  test("isZeroBlock() is true only when every byte is zero", () => {
    const b = new Uint8Array(512);
    expect(isZeroBlock(b)).toBe(true);
    b[511] = 1;
    expect(isZeroBlock(b)).toBe(false);
  });

  test("stripNuls() drops trailing NULs only", () => {
    expect([...stripNuls(Uint8Array.of(0x61, 0, 0x62, 0, 0))]).toEqual([0x61, 0, 0x62]);
  });

  test("quoteBytes() escapes bytes that are not printable ASCII", () => {
    expect(quoteBytes(Uint8Array.of(0x61, 0xff, 0x22, 0x0a))).toBe('"a\\xff\\x22\\x0a"');
  });
});
