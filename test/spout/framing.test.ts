import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { TarFramer, type TarEvent } from "../../src/spout/framing.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";
import { body, cat, gnuTar, packTar, paxHeader, rawHeader, zeros } from "./_tars.ts";

const dec = new TextDecoder();
const CHUNKS = [1, 100, 511, 512, 513, 4096, Infinity];

/**
 * Feeds `parts` (an array of byte strings separated by end-of-file marks) in
 * chunks of `size` and renders the events compactly:
 *   "file /a = text", "dir /d", "end N", "rejected N: reason", "truncated N".
 * Checks on the way that data is only ever inside a file and matches its size.
 */
function frame(parts: (Uint8Array | "EOF")[], size: number): string[] {
  const f = new TarFramer();
  const out: string[] = [];
  let open: { ev: Extract<TarEvent, { type: "entry" }>; data: Uint8Array[] } | null = null;
  const take = (evs: TarEvent[]) => {
    for (const ev of evs) {
      if (ev.type === "entry") {
        expect(open).toBeNull();
        open = { ev, data: [] };
      } else if (ev.type === "data") {
        expect(open?.ev.kind).toBe("file");
        open!.data.push(ev.bytes.slice());
      } else if (ev.type === "entryEnd") {
        const { ev: e, data } = open!;
        const bytes = cat(...data);
        expect(bytes.length).toBe(e.size);
        out.push(e.kind === "dir" ? `dir ${e.path}` : `file ${e.path} = ${dec.decode(bytes)}`);
        open = null;
      } else {
        open = null;
        out.push(ev.type === "archiveEnd" ? `end ${ev.archive}` : ev.type === "rejected" ? `rejected ${ev.archive}: ${ev.reason}` : `truncated ${ev.archive}`);
      }
    }
  };
  for (const p of parts) {
    if (p === "EOF") {
      take(f.end());
      continue;
    }
    const step = Math.min(size, p.length) || 1;
    for (let i = 0; i < p.length; i += step) take(f.feed(p.subarray(i, i + step)));
  }
  take(f.end());
  return out;
}

function expectFramed(parts: (Uint8Array | "EOF")[], want: (string | RegExp)[]) {
  for (const size of CHUNKS) {
    const got = frame(parts, size);
    expect(got.length, `chunk size ${size}: ${JSON.stringify(got)}`).toBe(want.length);
    want.forEach((w, i) => (typeof w === "string" ? expect(got[i]).toBe(w) : expect(got[i]).toMatch(w)));
  }
}

const long = `${"d".repeat(60)}/${"f".repeat(80)}`; // > 100 bytes: ustar prefix or an extension header
const veryLong = "n".repeat(180); // no "/" to split at: needs pax or GNU 'L'

describe("TarFramer: archives written by tar-stream", () => {
  test.each<[string, () => Promise<(Uint8Array | "EOF")[]>, string[]]>([
    ["a folder and a file", async () => [await packTar([{ name: "d", type: "directory" }, { name: "d/a", body: "hi\n" }])], ["dir /d", "file /d/a = hi\n", "end 1"]],
    ["an empty file", async () => [await packTar([{ name: "empty", body: "" }])], ["file /empty = ", "end 1"]],
    ["a name split into ustar prefix and name", async () => [await packTar([{ name: long, body: "x" }])], [`file /${long} = x`, "end 1"]],
    ["a long name in a pax path record", async () => [await packTar([{ name: veryLong, body: "x" }])], [`file /${veryLong} = x`, "end 1"]],
    ["a UTF-8 name (pax)", async () => [await packTar([{ name: "é/ü.txt", body: "u" }])], ["file /é/ü.txt = u", "end 1"]],
    ["a body of exactly one block", async () => [await packTar([{ name: "b", body: "z".repeat(512) }])], [`file /b = ${"z".repeat(512)}`, "end 1"]],
    ["the same path twice, both passed on", async () => [await packTar([{ name: "a", body: "1" }, { name: "a", body: "2" }])], ["file /a = 1", "file /a = 2", "end 1"]],
    ["two archives back to back", async () => [await packTar([{ name: "a", body: "1" }]), await packTar([{ name: "b", body: "2" }])], ["file /a = 1", "end 1", "file /b = 2", "end 2"]],
    ["zero blocks between archives", async () => [await packTar([{ name: "a", body: "1" }]), zeros(512 * 7), await packTar([{ name: "b", body: "2" }]), zeros(10240)], ["file /a = 1", "end 1", "file /b = 2", "end 2"]],
  ])("feed() frames %s", async (_name, build, want) => {
    expectFramed(await build(), want);
  });
});

describe("TarFramer: archives written by GNU tar", () => {
  const files = { "a": "alpha\n", [long]: "L\n", [veryLong]: "V\n" };
  test.each<[string, string[], string[], string[]]>([
    ["--format=gnu (GNU long names)", ["--format=gnu"], ["a", long, veryLong], ["file /a = alpha\n", `file /${long} = L\n`, `file /${veryLong} = V\n`, "end 1"]],
    ["--format=pax (pax path records)", ["--format=pax"], ["a", long, veryLong], ["file /a = alpha\n", `file /${long} = L\n`, `file /${veryLong} = V\n`, "end 1"]],
    ["--format=ustar (prefix split)", ["--format=ustar"], ["a", long], ["file /a = alpha\n", `dir /${long.split("/")[0]}`, `file /${long} = L\n`, "end 1"].filter((l) => !l.startsWith("dir"))],
    ["a folder with ./ names", [], ["."], ["dir /", "file /a = alpha\n", `dir /${long.split("/")[0]}`, `file /${long} = L\n`, `file /${veryLong} = V\n`, "end 1"]],
  ])("feed() frames %s", (_name, args, names, want) => {
    const tar = gnuTar(files, names, [...args, "--sort=name"]);
    expect(tar.length % 10240).toBe(0); // padded to whole records: the zero padding is skipped
    expectFramed([tar], want);
  });

  test.each<[string, Record<string, string>, string[], string[], RegExp]>([
    ["../../escape (--transform, as in the conformance scenario)", { "x/e": "evil\n" }, ["x/e"], ["-P", "--transform", "s,^x/e,../../escape,"], /entry "\.\.\/\.\.\/escape" at offset 0: "\.\." segments are refused/],
    ["an absolute path (-P)", { "x/e": "evil\n" }, ["x/e"], ["-P", "--transform", "s,^x/e,/tmp/abs,"], /entry "\/tmp\/abs" at offset 0: absolute paths are refused/],
  ])("feed() rejects a GNU tar archive with %s", (_name, files, names, args, reason) => {
    expectFramed([gnuTar(files, names, args), gnuTar({ ok: "1" }, ["ok"])], [new RegExp(`^rejected 1: ${reason.source}`), "file /ok = 1", "end 2"]);
  });

  test("feed() rejects a symbolic link archived by GNU tar", () => {
    const dir = tempDir("calf-tar-");
    try {
      fs.symlinkSync("/etc/passwd", path.join(dir, "l"));
      const r = spawnSync("tar", ["-cf", "-", "l"], { cwd: dir });
      expectFramed([new Uint8Array(r.stdout)], [/^rejected 1: entry "l" at offset 0 is a symbolic link/]);
    } finally {
      removeDir(dir);
    }
  });

  test("feed() frames two GNU tar archives, each padded to 10 KiB, as two archives", () => {
    const one = gnuTar({ a: "1" }, ["a"]);
    const two = gnuTar({ b: "2" }, ["b"]);
    expectFramed([one, two], ["file /a = 1", "end 1", "file /b = 2", "end 2"]);
  });
});

describe("TarFramer: cut-short archives", () => {
  const tar = () => packTar([{ name: "a", body: "x".repeat(600) }, { name: "b", body: "y" }]);
  test.each<[string, (t: Uint8Array) => (Uint8Array | "EOF")[], (string | RegExp)[]]>([
    ["in a header", (t) => [t.subarray(0, 300)], [/^truncated 1$/]],
    ["inside a file's data", (t) => [t.subarray(0, 700)], ["truncated 1"]],
    ["after the last entry, before the end marker", (t) => [t.subarray(0, t.length - 1024)], ["file /a = " + "x".repeat(600), "file /b = y", "truncated 1"]],
    ["after one of the two zero blocks", (t) => [t.subarray(0, t.length - 512)], ["file /a = " + "x".repeat(600), "file /b = y", "truncated 1"]],
    ["then a complete archive after the end of file", (t) => [t.subarray(0, 700), "EOF", t], ["truncated 1", "file /a = " + "x".repeat(600), "file /b = y", "end 2"]],
  ])("end() discards an archive cut %s", async (_name, parts, want) => {
    expectFramed(parts(await tar()), want);
  });

  test("end() between archives or in zero padding reports nothing", async () => {
    expectFramed([await packTar([{ name: "a", body: "1" }]), zeros(300), "EOF", zeros(512), "EOF"], ["file /a = 1", "end 1"]);
  });

  test("messages give offsets inside the archive, not in the stream", async () => {
    const f = new TarFramer();
    const first = await packTar([{ name: "a", body: "1" }]);
    const evs = f.feed(cat(first, zeros(1024), await packTar([{ name: "b", body: "2" }, { name: "../c", body: "3" }]), (await tar()).subarray(0, 100)));
    expect(evs.filter((e) => e.type === "rejected")).toEqual([{ type: "rejected", archive: 2, reason: `entry "../c" at offset 1024: ".." segments are refused; entry names must stay inside the output repo` }]);
    expect(f.end()).toEqual([{ type: "truncated", archive: 3, reason: "cut short after 100 bytes: end of file before the end-of-archive marker (two zero blocks)" }]);
  });

  test("end() reports why: the position and the missing end marker", async () => {
    const f = new TarFramer();
    f.feed((await tar()).subarray(0, 700));
    expect(f.end()).toEqual([{ type: "truncated", archive: 1, reason: "cut short after 700 bytes: end of file before the end-of-archive marker (two zero blocks)" }]);
  });
});

describe("TarFramer: refused entries discard the whole archive, the next one still lands", () => {
  const good = () => packTar([{ name: "ok", body: "fine" }]);
  test.each<[string, () => Promise<Uint8Array> | Uint8Array, RegExp, string[]?]>([
    ["a ../ segment", () => packTar([{ name: "a", body: "1" }, { name: "../escape", body: "evil" }]), /entry "\.\.\/escape" at offset 1024: "\.\." segments are refused/, ["file /a = 1"]],
    ["a .. segment inside the name", () => packTar([{ name: "a/../../b", body: "evil" }]), /"a\/\.\.\/\.\.\/b".*"\.\." segments/],
    ["an absolute path", () => packTar([{ name: "/etc/passwd", body: "evil" }]), /"\/etc\/passwd" at offset 0: absolute paths are refused/],
    ["a symbolic link", () => packTar([{ name: "l", type: "symlink", linkname: "/etc/passwd" }]), /entry "l" at offset 0 is a symbolic link; spouts accept only files and directories/],
    ["a hard link", () => packTar([{ name: "a", body: "1" }, { name: "h", type: "link", linkname: "a" }]), /entry "h" at offset 1024 is a hard link/, ["file /a = 1"]],
    ["a FIFO", () => packTar([{ name: "p", type: "fifo" }]), /is a FIFO/],
    ["a character device", () => packTar([{ name: "null", type: "character-device", devmajor: 1, devminor: 3 }]), /is a character device/],
    ["a block device", () => packTar([{ name: "sda", type: "block-device" }]), /is a block device/],
    ["an unknown entry type", () => cat(rawHeader({ name: "s", type: "S", size: 5 }), body("sparse"), zeros(1024)), /entry "s" at offset 0 is of unsupported type "S"/],
    ["a name that is not UTF-8", () => cat(rawHeader({ name: Uint8Array.of(0x61, 0xff, 0x62) }), zeros(1024)), /entry "a\\xffb" at offset 0: the name is not valid UTF-8/],
    ["a NUL in a pax path", () => cat(paxHeader({ path: "a\0b" }), rawHeader({ name: "x" }), zeros(1024)), /entry "a\\u0000b" at offset 1024: the name contains a NUL byte/],
    ["a NUL in a GNU long name", () => cat(rawHeader({ name: "././@LongLink", type: "L", size: 4, magic: "gnu" }), body("a\0b\0"), rawHeader({ name: "x", magic: "gnu" }), zeros(1024)), /the name contains a NUL byte/],
    ["a pax path that is not UTF-8", () => cat(paxHeader({ path: Uint8Array.of(0xc3, 0x28) }), rawHeader({ name: "x" }), zeros(1024)), /pax header: record at offset 0 is not valid UTF-8/],
    ["a malformed pax record", () => cat(rawHeader({ name: "p", type: "x", size: 12 }), body("99 path=abc\n"), rawHeader({ name: "x" }), zeros(1024)), /pax header: record at offset 0 is not 99 bytes/],
    ["a sparse file (pax GNU.sparse)", () => cat(paxHeader({ "GNU.sparse.major": "1", "GNU.sparse.minor": "0" }), rawHeader({ name: "s" }), zeros(1024)), /is a sparse file/],
    ["a file named by ./ only", () => cat(rawHeader({ name: "." }), zeros(1024)), /entry "\." at offset 0 names no file/],
  ])("feed() rejects %s", async (_name, build, reason, before = []) => {
    // Entries before the bad one were already passed on: the consumer drops them at the rejection.
    expectFramed([await build(), await good()], [...before, new RegExp(`^rejected 1: .*${reason.source}`), "file /ok = fine", "end 2"]);
  });

  test("feed() skips the rest of a refused archive by its sizes, even file data that looks like a tar archive", async () => {
    const inner = await packTar([{ name: "smuggled", body: "inner" }]);
    const bad = await packTar([{ name: "../x", body: "evil" }, { name: "carrier.tar", body: inner }, { name: "z", body: "after" }]);
    expectFramed([bad, zeros(512 * 3), await good()], [/^rejected 1: entry "\.\.\/x"/, "file /ok = fine", "end 2"]);
  });

  test("feed() reports one rejection per archive, naming the first bad entry", async () => {
    const bad = await packTar([{ name: "/abs", body: "1" }, { name: "l", type: "symlink", linkname: "x" }]);
    expectFramed([bad], [/^rejected 1: entry "\/abs"/]);
  });

  test("feed() rejects an archive at a header with a bad checksum and frames again after the end of file", async () => {
    const broken = cat(rawHeader({ name: "a", size: 3, badChecksum: true }), body("abc"), zeros(1024));
    expectFramed([broken, "EOF", await good()], [
      /^rejected 1: bad header checksum at offset 0: not a tar header; the archive is discarded, and calf resumes at the next valid tar header$/,
      "file /ok = fine", "end 2",
    ]);
  });

  test("feed() treats bytes that are not tar at all as a bad header", () => {
    expectFramed([new TextEncoder().encode("hello, this is not a tar archive\n".repeat(40))], [/^rejected 1: bad header checksum at offset 0/]);
  });
});

describe("TarFramer: resynchronising after a damaged header on one open of the pipe", () => {
  const file = (name: string, text: string) => cat(rawHeader({ name, size: text.length }), body(text));
  const archive = (...files: Uint8Array[]) => cat(...files, zeros(1024));
  const damaged = (name: string, text: string) => cat(rawHeader({ name, size: text.length, badChecksum: true }), body(text));

  test("feed() resumes at the damaged archive's next valid header and frames the archive after it", () => {
    const a = archive(file("a1", "one"), damaged("a2", "two"), file("a3", "three"));
    const b = archive(file("b", "bee"));
    expectFramed([a, b], ["file /a1 = one", /^rejected 1: bad header checksum at offset 1024/, "file /b = bee", "end 2"]);
  });

  test("feed() frames every later archive after a damaged one, not only the next", () => {
    const a = archive(damaged("a", "x".repeat(700)), file("a2", "2"));
    const later = [1, 2, 3].map((i) => archive(file(`f${i}`, String(i))));
    expectFramed([a, ...later], [/^rejected 1: bad header checksum/, "file /f1 = 1", "end 2", "file /f2 = 2", "end 3", "file /f3 = 3", "end 4"]);
  });

  test("feed() never frames the tail of a damaged archive as an archive of its own, even past zero blocks in file data", () => {
    // The damaged entry's data holds 1024 zero bytes: not an end marker while calf scans.
    const a = archive(file("a1", "1"), cat(rawHeader({ name: "zeros", size: 2048, badChecksum: true }), zeros(2048)), file("tail", "t"));
    const b = archive(file("b", "bee"));
    expectFramed([a, b], ["file /a1 = 1", /^rejected 1: bad header checksum/, "file /b = bee", "end 2"]);
  });

  test("feed() loses the archive a damaged one runs into (its first header read as data) but frames the ones after", () => {
    // A writer died mid-file and another began at once: calf cannot see the cut; the first
    // archive's size swallows the start of the second, whose later headers are then read as
    // the first's. Both are discarded; nothing of either is framed.
    const cut = file("big", "x".repeat(2000)).subarray(0, 512 + 600);
    const second = archive(file("s1", "s".repeat(700)), file("s2", "2"));
    const third = archive(file("t", "3"));
    // "big" reads as whole (its size swallowed the second archive's start); the rejection that
    // follows drops it with its archive, as a consumer drops every entry of a rejected archive.
    expectFramed([cut, second, third], [/^file \/big = x{600}s1\0/, /^rejected 1: bad header checksum/, "file /t = 3", "end 2"]);
  });

  test("feed() after bytes that are not tar frames the archive that follows the next valid one", async () => {
    const junk = new TextEncoder().encode("not a tar stream\n".repeat(64));
    expectFramed([junk, archive(file("x", "1")), archive(file("y", "2"))], [/^rejected 1: bad header checksum at offset 0/, "file /y = 2", "end 2"]);
  });
});

describe("TarFramer: header encodings", () => {
  test.each<[string, () => Uint8Array, string[]]>([
    ["a GNU base-256 size", () => cat(rawHeader({ name: "big", size: 600, base256: true, magic: "gnu" }), body("b".repeat(600)), zeros(1024)), [`file /big = ${"b".repeat(600)}`, "end 1"]],
    ["a pax size overriding the header's", () => cat(paxHeader({ size: "5" }), rawHeader({ name: "p", size: 0 }), body("12345"), zeros(1024)), ["file /p = 12345", "end 1"]],
    ["a pax global header (git archive writes one)", () => cat(paxHeader({ comment: "0123abcd" }, "g"), rawHeader({ name: "g" , size: 1 }), body("g"), zeros(1024)), ["file /g = g", "end 1"]],
    ["a pax global header and nothing else", () => cat(paxHeader({ comment: "x" }, "g"), zeros(1024)), ["end 1"]],
    ["a pax record with an empty value (deletes the keyword)", () => cat(paxHeader({ path: "" }), rawHeader({ name: "plain", size: 1 }), body("p"), zeros(1024)), ["file /plain = p", "end 1"]],
    ["a POSIX prefix field", () => cat(rawHeader({ name: "name", prefix: "pre/fix", size: 1 }), body("1"), zeros(1024)), ["file /pre/fix/name = 1", "end 1"]],
    ["a GNU header ignores the prefix area", () => cat(rawHeader({ name: "name", prefix: "junk", magic: "gnu", size: 1 }), body("1"), zeros(1024)), ["file /name = 1", "end 1"]],
    ["a v7 header (no magic)", () => cat(rawHeader({ name: "old", magic: "v7", size: 1 }), body("1"), zeros(1024)), ["file /old = 1", "end 1"]],
    ["a v7 directory (trailing slash on a file type)", () => cat(rawHeader({ name: "dir/", magic: "v7" }), zeros(1024)), ["dir /dir", "end 1"]],
    ["a GNU dumpdir entry (a folder with a listing)", () => cat(rawHeader({ name: "dd", type: "D", size: 10, magic: "gnu" }), body("Yfile\0\0\0\0\0"), zeros(1024)), ["dir /dd", "end 1"]],
    ["a GNU long name over a short one", () => cat(rawHeader({ name: "././@LongLink", type: "L", size: 181, magic: "gnu" }), body(veryLong + "\0"), rawHeader({ name: "short", size: 1, magic: "gnu" }), body("1"), zeros(1024)), [`file /${veryLong} = 1`, "end 1"]],
    ["a lone zero block inside an archive (skipped)", () => cat(rawHeader({ name: "a", size: 1 }), body("1"), zeros(512), rawHeader({ name: "b", size: 1 }), body("2"), zeros(1024)), ["file /a = 1", "file /b = 2", "end 1"]],
    ["names with ./, // and a trailing /", () => cat(rawHeader({ name: "./x//y/./z", size: 1 }), body("1"), rawHeader({ name: "./x/", type: "5" }), zeros(1024)), ["file /x/y/z = 1", "dir /x", "end 1"]],
  ])("feed() reads %s", (_name, build, want) => {
    expectFramed([build()], want);
  });

  test("feed() gives the entry's size and permission bits, and data as views of the input", async () => {
    const tar = await packTar([{ name: "x/run.sh", body: "#!/bin/sh\n", mode: 0o755 }]);
    const f = new TarFramer();
    const evs = f.feed(tar);
    expect(evs.map((e) => (e.type === "data" ? { type: "data", text: dec.decode(e.bytes) } : e))).toEqual([
      { type: "entry", path: "/x/run.sh", kind: "file", size: 10, mode: 0o755 },
      { type: "data", text: "#!/bin/sh\n" },
      { type: "entryEnd" },
      { type: "archiveEnd", archive: 1 },
    ]);
    const data = evs[1] as Extract<TarEvent, { type: "data" }>;
    expect(data.bytes.buffer).toBe(tar.buffer); // no copy
    expect(f.position).toBe(tar.length);
  });

  test("feed() rejects a pax header larger than META_MAX and still frames past it", () => {
    const big = 2 << 20;
    const pax = cat(rawHeader({ name: "p", type: "x", size: big }), zeros(big));
    expectFramed([cat(pax, rawHeader({ name: "a", size: 1 }), body("1"), zeros(1024)), cat(rawHeader({ name: "b", size: 1 }), body("2"), zeros(1024))], [
      /^rejected 1: pax header at offset 0 is 2097152 bytes \(at most 1048576\)$/, "file /b = 2", "end 2",
    ]);
  });
});
