// LogTap against a transform that writes without line ends: its output is
// logged in pieces of at most MAX_LINE, so calf's memory stays bounded.
import { afterEach, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { LogTap, MAX_LINE } from "../../src/transform/logtap.ts";
import type { LogSink, Stream } from "../../src/transform/logs.ts";
import { rt } from "../helpers/app.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

let dir: string | undefined;
let tap: LogTap | undefined;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  tap?.close();
  tap = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

function sink() {
  const lines: string[] = [];
  let chars = 0;
  const s: LogSink = {
    line: (_: Stream, text: string) => (lines.push(text), (chars += text.length)),
    flush: () => {},
    tail: () => "",
    close: () => {},
  };
  return { s, lines, chars: () => chars };
}

async function make(): Promise<LogTap> {
  dir = tempDir("calf-logtap-");
  return (tap = new LogTap(dir, await rt()));
}

const writer = (script: string, file: string) => {
  const c = spawn("sh", ["-c", script, "sh", file], { stdio: "ignore" });
  children.push(c);
  return new Promise<void>((r) => c.on("exit", () => r()));
};

test("8 MiB without a line end is logged as lines of at most MAX_LINE, nothing lost", async () => {
  const t = await make();
  const { s, lines, chars } = sink();
  t.begin(s);
  await writer(`head -c 8388608 /dev/zero | tr '\\0' x > "$1"`, t.out.path);
  await t.end();
  expect(chars()).toBe(8 << 20);
  expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(MAX_LINE);
});
