import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { FifoReader, pollDelay } from "../../src/spout/fifo.ts";
import { rt } from "../helpers/app.ts";
import { running } from "../helpers/procs.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
  for (const d of dirs.splice(0)) removeDir(d);
});

async function fifoIn(): Promise<{ dir: string; fifo: string }> {
  const dir = tempDir("calf-fifo-");
  dirs.push(dir);
  const fifo = path.join(dir, "out");
  (await rt()).mkfifo(fifo, 0o600);
  return { dir, fifo };
}

/** Runs `script` (sh, with $F = the FIFO) as a spout would be run; returns what the reader saw. */
async function readWhile(script: string, opts: { slowMs?: number; drainMs?: number; widen?: boolean } = {}) {
  const { dir, fifo } = await fifoIn();
  const reader = new FifoReader(fifo, opts.widen ? await rt() : undefined);
  const child = (await rt()).spawn({ argv: ["sh", "-c", script], cwd: dir, env: { PATH: process.env.PATH!, F: fifo } });
  const segments: string[] = [""];
  let straggler = false;
  const started = Date.now();
  try {
    for await (const c of reader.chunks({ exited: child.done, drainMs: opts.drainMs, onStraggler: () => (straggler = true) })) {
      if (c === null) segments.push("");
      else segments[segments.length - 1] += new TextDecoder().decode(c);
      if (opts.slowMs) await new Promise((r) => setTimeout(r, opts.slowMs));
    }
  } finally {
    reader.close();
  }
  const res = await child.done;
  return { segments: segments.filter((s, i) => s !== "" || i < segments.length - 1), exitCode: res.exitCode, straggler, ms: Date.now() - started, dir };
}

describe("FifoReader.chunks()", () => {
  test("chunks() reads many writes on one open as one stream, then ends when the writer exits", async () => {
    const r = await readWhile('exec 3>"$F"; for i in 1 2 3 4 5; do printf "a$i," >&3; sleep 0.02; done');
    expect(r.segments).toEqual(["a1,a2,a3,a4,a5,"]);
    expect(r.exitCode).toBe(0);
  });

  test("chunks() yields null at each end of file when writers close and reopen the FIFO", async () => {
    const r = await readWhile('for i in 1 2 3; do printf "part$i" > "$F"; sleep 0.2; done');
    expect(r.segments).toEqual(["part1", "part2", "part3"]);
  });

  test("chunks() keeps the read end open: a writer that opens while calf is busy gets no EPIPE and loses nothing", async () => {
    // The consumer dawdles 30 ms per chunk; 40 writers open, write and close in between.
    const r = await readWhile('for i in $(seq 1 40); do printf "$i," > "$F" || exit 9; done', { slowMs: 30 });
    expect(r.exitCode).toBe(0);
    expect(r.segments.join("")).toBe(Array.from({ length: 40 }, (_, i) => `${i + 1},`).join(""));
  });

  test("chunks() passes 8 MiB through a 64 KiB pipe intact", async () => {
    const r = await readWhile('head -c 8388608 /dev/zero | tr "\\0" "z" > "$F"');
    expect(r.segments.join("").length).toBe(8 << 20);
    expect(/^z+$/.test(r.segments.join(""))).toBe(true);
  });

  test("chunks() of a widened pipe passes 6.9 MB of distinct lines intact though it reuses its buffer", async () => {
    const r = await readWhile('seq 1 1000000 > "$F"', { widen: true });
    const want = Array.from({ length: 1_000_000 }, (_, i) => `${i + 1}\n`).join("");
    expect(r.segments.length).toBe(1);
    expect(r.segments[0]!.length).toBe(want.length);
    expect(r.segments[0] === want).toBe(true);
  });

  test("new FifoReader(path, rt) widens the pipe to 1 MiB: a writer puts 1 MiB in before anyone reads", async () => {
    const { fifo } = await fifoIn();
    const reader = new FifoReader(fifo, await rt());
    const w = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    try {
      expect(fs.writeSync(w, new Uint8Array(1 << 20))).toBe(1 << 20); // 64 KiB without the widening
    } finally {
      fs.closeSync(w);
      reader.close();
    }
  });

  test("chunks() ends promptly when the process exits without ever opening the FIFO", async () => {
    const r = await readWhile("exit 3");
    expect(r.segments).toEqual([]);
    expect(r.exitCode).toBe(3);
    expect(r.ms).toBeLessThan(1000);
  });

  test("chunks() returns what was written just before the process exited", async () => {
    const r = await readWhile('printf "last words" > "$F"; exit 0');
    expect(r.segments).toEqual(["last words"]);
  });

  test("chunks() stops after drainMs when a process outside the spout's group holds the FIFO open", async () => {
    // The straggler leaves the process group (setsid) and keeps the FIFO open for writing, silently.
    const r = await readWhile('printf "x" > "$F"; setsid sh -c \'echo $$ > pid; exec sleep 30\' 3>"$F" & sleep 0.3', { drainMs: 300 });
    strays.push(Number(fs.readFileSync(path.join(r.dir, "pid"), "utf8")));
    expect(running(strays[0]!)).toBe(true);
    expect(r.straggler).toBe(true);
    expect(r.segments).toEqual(["x"]);
    expect(r.ms).toBeLessThan(5000);
  });

  test("close() twice is harmless", async () => {
    const { fifo } = await fifoIn();
    const reader = new FifoReader(fifo);
    reader.close();
    reader.close();
  });
});

describe("pollDelay()", () => {
  test.each<[number, number, number]>([
    [0, 0, 0],
    [1.9, 0, 0],
    [2, 0, 1],
    [50, 1, 2],
    [50, 3, 8],
    [50, 4, 16],
    [50, 5, 20],
    [9999, 40, 20],
  ])("pollDelay(%p ms since data, %p sleeps) is %p ms", (since, sleeps, ms) => {
    expect(pollDelay(since, sleeps)).toBe(ms);
  });
});
