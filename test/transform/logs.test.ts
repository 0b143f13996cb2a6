import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { AttemptLog, LOG_MAX, parseLogLine, RotatingLog } from "../../src/transform/logs.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

let dir = "";
afterEach(() => removeDir(dir));
const clock = () => new Date("2026-12-04T10:00:00.000Z");
const lines = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter((l) => l).map(parseLogLine);

describe("AttemptLog", () => {
  test("AttemptLog writes one line per line with its time and stream; nothing at all when nothing was written", () => {
    dir = tempDir();
    const empty = new AttemptLog(path.join(dir, "empty.log"), clock);
    empty.close();
    expect(fs.existsSync(path.join(dir, "empty.log"))).toBe(false);
    const log = new AttemptLog(path.join(dir, "a.log"), clock);
    log.line("out", "hello");
    log.line("err", "oops: x y");
    log.close();
    expect(fs.readFileSync(path.join(dir, "a.log"), "utf8")).toBe("2026-12-04T10:00:00.000Z out hello\n2026-12-04T10:00:00.000Z err oops: x y\n");
    expect(lines(path.join(dir, "a.log"))).toEqual([
      { time: "2026-12-04T10:00:00.000Z", stream: "out", text: "hello" },
      { time: "2026-12-04T10:00:00.000Z", stream: "err", text: "oops: x y" },
    ]);
  });

  test("AttemptLog keeps the first LOG_MAX bytes and the last 200 lines of a flood, with a note of what it dropped", () => {
    dir = tempDir();
    const log = new AttemptLog(path.join(dir, "big.log"), clock);
    const text = "x".repeat(100);
    const n = Math.ceil((LOG_MAX * 3) / 130);
    for (let i = 0; i < n; i++) log.line("out", `${i} ${text}`);
    log.close();
    const got = lines(path.join(dir, "big.log"));
    expect(fs.statSync(path.join(dir, "big.log")).size).toBeLessThan(LOG_MAX + 200 * 140 + 200);
    expect(got[0]!.text).toBe(`0 ${text}`);
    expect(got.at(-1)!.text).toBe(`${n - 1} ${text}`);
    expect(got.at(-201)!.stream).toBe("calf");
    expect(got.at(-201)!.text).toMatch(/^\[\d+ bytes of output dropped/);
  });

  test("AttemptLog.tail() quotes the last few lines for a failure reason", () => {
    dir = tempDir();
    const log = new AttemptLog(path.join(dir, "t.log"), clock);
    expect(log.tail()).toBe("");
    for (const l of ["a", "b", "c", "d", "e", "cannot handle bad"]) log.line("err", l);
    expect(log.tail()).toBe(": b | c | d | e | cannot handle bad");
    log.close();
  });

  test("parseLogLine() reads a line of an older calf (no time, no stream) as stdout text", () => {
    expect(parseLogLine("plain old line")).toEqual({ time: "", stream: "out", text: "plain old line" });
  });
});

describe("RotatingLog", () => {
  test("RotatingLog starts a new file past LOG_MAX and keeps only the last `keep` files, named in time order", () => {
    dir = tempDir();
    const log = new RotatingLog(path.join(dir, "spout.x"), clock, 3);
    const line = "y".repeat(1000);
    for (let i = 0; i < Math.ceil((LOG_MAX * 5.5) / 1032); i++) log.line("out", line);
    log.close();
    expect(fs.readdirSync(dir).sort()).toEqual(["spout.x.0003.log", "spout.x.0004.log", "spout.x.0005.log"]);
    for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(LOG_MAX + 100);
  });
});
