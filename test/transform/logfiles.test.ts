import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { listLogFiles, logDir, readLines, tailLines } from "../../src/transform/logfiles.ts";
import { removeDir, tempDir, writeFiles } from "../helpers/tmp.ts";

let dir = "";
afterEach(() => removeDir(dir));

describe("listLogFiles() and readLines()", () => {
  test("listLogFiles() names pipeline, job, datum and attempt of each file, jobs in the given order and spouts last", () => {
    dir = tempDir();
    writeFiles(dir, {
      "logs/p/j2/d1.1.log": "", "logs/p/j1/d1.1.log": "", "logs/p/j1/d1.2.log": "", "logs/p/j1/d2.err_cmd.log": "",
      "logs/p/spout/spout.2026-12-04T10-00-00-000Z.0000.log": "", "logs/q/j3/e.1.log": "", "logs/p/j1/notes.txt": "",
    });
    const order = new Map([["j1", 1], ["j2", 2]]);
    expect(listLogFiles(dir, { pipeline: "p", jobOrder: order }).map((f) => [f.job, f.datum, f.attempt])).toEqual([
      ["j1", "d1", "1"], ["j1", "d1", "2"], ["j1", "d2", "err_cmd"], ["j2", "d1", "1"], ["spout", "spout", "2026-12-04T10-00-00-000Z.0000"],
    ]);
    expect(listLogFiles(dir, { datum: "d2" }).map((f) => f.file)).toEqual([path.join(logDir(dir, "p", "j1"), "d2.err_cmd.log")]);
  });

  test("readLines() returns whole lines only and where to go on: a line being written waits for its newline", () => {
    dir = tempDir();
    const file = path.join(dir, "logs/p/j/d.1.log");
    writeFiles(dir, { "logs/p/j/d.1.log": "2026-12-04T10:00:00.000Z out one\n2026-12-04T10:00:00.001Z err tw" });
    const f = listLogFiles(dir)[0]!;
    const a = readLines(f);
    expect(a.lines.map((l) => [l.stream, l.text, l.job, l.datum, l.attempt])).toEqual([["out", "one", "j", "d", "1"]]);
    fs.appendFileSync(file, "o ünï\n");
    const b = readLines(f, a.next);
    expect(b.lines.map((l) => [l.time, l.stream, l.text])).toEqual([["2026-12-04T10:00:00.001Z", "err", "two ünï"]]);
    expect(readLines(f, b.next).lines).toEqual([]);
  });
});

describe("tailLines()", () => {
  const line = (i: number) => `2026-12-04T10:00:00.000Z ${i % 2 ? "err" : "out"} line ${i} ${"ü".repeat(i % 7)}`;
  const texts = (lines: { text: string }[]) => lines.map((l) => l.text);
  const logOf = (text: string) => {
    dir = tempDir();
    writeFiles(dir, { "logs/p/j/d.1.log": text });
    return listLogFiles(dir)[0]!;
  };

  // --- the same lines as readLines(), over files of one chunk and of many ---
  test.each([
    ["empty", 0, 3],
    ["one line", 1, 3],
    ["one line, n = 1", 1, 1],
    ["10 lines, n = 10", 10, 10],
    ["10 lines, n = 11", 10, 11],
    ["100,000 lines (several 64 KiB chunks), n = 3", 100_000, 3],
    ["100,000 lines, n = 50,000", 100_000, 50_000],
    ["100,000 lines, n = 200,000", 100_000, 200_000],
  ])("tailLines() of %s is readLines()'s last n", (_, count, n) => {
    const f = logOf(Array.from({ length: count }, (_, i) => line(i) + "\n").join(""));
    expect(texts(tailLines(f, n))).toEqual(texts(readLines(f).lines.slice(-n)));
  });

  test("tailLines() leaves out a line still being written, and keeps empty lines", () => {
    const f = logOf("\n\n2026-12-04T10:00:00.000Z out one\n\n2026-12-04T10:00:00.001Z err tw");
    expect(texts(tailLines(f, 10))).toEqual(["", "", "one", ""]);
    expect(texts(tailLines(f, 2))).toEqual(["one", ""]);
  });

  test("tailLines() reads at most maxBytes of the end: a line that starts before them is left out", () => {
    const raws = Array.from({ length: 100 }, (_, i) => line(i));
    const f = logOf(raws.map((r) => r + "\n").join(""));
    const size = fs.statSync(f.file).size;
    // The lines whose newline before them is within the last 200 bytes.
    let at = 0;
    const within: string[] = [];
    for (const raw of raws) {
      if (at - 1 >= size - 200) within.push(raw.slice(raw.indexOf(" ", 25) + 1));
      at += Buffer.byteLength(raw) + 1;
    }
    expect(within.length).toBeGreaterThan(1);
    expect(texts(tailLines(f, 100, 200))).toEqual(within);
  });

  test("tailLines() of a 5 GiB log (sparse: it takes no disk) reads only its end", () => {
    // readLines() of it would allocate 5 GiB (more than a Buffer may hold: it throws).
    const f = logOf("");
    fs.truncateSync(f.file, 5 * 2 ** 30);
    fs.appendFileSync(f.file, "\n2026-12-04T10:00:00.000Z out last but one\n2026-12-04T10:00:00.001Z err last\n");
    const started = performance.now();
    expect(texts(tailLines(f, 2))).toEqual(["last but one", "last"]);
    expect(texts(tailLines(f, 5))).toEqual(["last but one", "last"]);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
