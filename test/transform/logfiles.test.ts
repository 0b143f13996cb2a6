import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { listLogFiles, logDir, readLines } from "../../src/transform/logfiles.ts";
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
