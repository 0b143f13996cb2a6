// A transform's stdout and stderr, captured through two FIFOs that calf
// creates and keeps open for reading (non-blocking) for a worker slot's whole
// life. The slot sandbox's runner opens them from its read-only channel
// folder; an unsandboxed transform gets them as its stdout and stderr. Each
// line goes to the attempt's log as it arrives (polled), so `logs -f` sees it
// while the datum runs, and nothing the transform can write is a path calf
// later opens on the host.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";
import type { LogSink, Stream } from "./logs.ts";

/** How often a running attempt's output is moved into its log. */
const POLL_MS = 25;
/** After the attempt ended, how long a writer that still holds a FIFO may keep it (a process that escaped the kill). */
const DRAIN_MS = 200;
/** Pipe buffer asked for: a chatty transform runs ahead between polls instead of blocking. */
const PIPE_SIZE = 1 << 20;
/** A line longer than this (in characters) is logged as several: a transform writing without line ends must not fill calf's memory. */
export const MAX_LINE = 64 << 10;

class Fifo {
  readonly path: string;
  readonly #fd: number;
  readonly #stream: Stream;
  #partial = "";
  #decoder = new TextDecoder();

  constructor(file: string, stream: Stream, rt: Pick<Runtime, "mkfifo" | "setPipeSize">) {
    this.path = file;
    this.#stream = stream;
    fs.rmSync(file, { force: true });
    rt.mkfifo(file, 0o600); // the sandbox's user is calf's own (a user namespace maps it to itself)
    this.#fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      rt.setPipeSize(this.#fd, PIPE_SIZE);
    } catch { /* EPERM: a smaller pipe only makes a chatty transform wait for the next poll */ }
  }

  /** Moves what is in the pipe into `log`. Returns "eof" (no writer has it open), "empty" (a writer, no data) or "data". */
  pump(log: LogSink | null, buf: Uint8Array): "eof" | "empty" | "data" {
    let got = false;
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(this.#fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "EAGAIN" || code === "EWOULDBLOCK") return got ? "data" : "empty";
        throw err;
      }
      if (n === 0) return "eof";
      got = true;
      if (log) this.#lines(log, this.#decoder.decode(buf.subarray(0, n), { stream: true }));
    }
  }

  /** Writes a last line without "\n" (the attempt ended). */
  flush(log: LogSink | null): void {
    const rest = this.#partial + this.#decoder.decode();
    this.#partial = "";
    if (rest && log) log.line(this.#stream, rest);
  }

  #lines(log: LogSink, text: string): void {
    const parts = (this.#partial + text).split("\n");
    this.#partial = parts.pop()!;
    for (const l of parts) for (let i = 0; i === 0 || i < l.length; i += MAX_LINE) log.line(this.#stream, l.slice(i, i + MAX_LINE));
    while (this.#partial.length > MAX_LINE) {
      log.line(this.#stream, this.#partial.slice(0, MAX_LINE));
      this.#partial = this.#partial.slice(MAX_LINE);
    }
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}

export class LogTap {
  readonly out: Fifo;
  readonly err: Fifo;
  #log: LogSink | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #buf = new Uint8Array(64 * 1024);

  /** Makes `dir`/out and `dir`/err FIFOs (replacing anything there) and opens their read ends. */
  constructor(dir: string, rt: Pick<Runtime, "mkfifo" | "setPipeSize">) {
    this.out = new Fifo(path.join(dir, "out"), "out", rt);
    this.err = new Fifo(path.join(dir, "err"), "err", rt);
  }

  /** Starts moving output into `log` (call before the attempt starts). */
  begin(log: LogSink): void {
    this.#discard(); // whatever a straggler wrote after the last attempt is not this one's
    this.#log = log;
    this.#timer = setInterval(() => this.pump(), POLL_MS);
  }

  /**
   * The attempt ended (every process of it killed): moves the rest into the
   * log, waiting while a writer still holds a FIFO open, up to DRAIN_MS.
   */
  async end(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const until = performance.now() + DRAIN_MS;
    for (;;) {
      const a = this.out.pump(this.#log, this.#buf);
      const b = this.err.pump(this.#log, this.#buf);
      if ((a === "eof" && b === "eof") || performance.now() > until) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    this.out.flush(this.#log);
    this.err.flush(this.#log);
    this.#log = null;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.out.close();
    this.err.close();
  }

  /** Moves what is in the FIFOs now into the log. */
  pump(): void {
    this.out.pump(this.#log, this.#buf);
    this.err.pump(this.#log, this.#buf);
    this.#log?.flush();
  }

  #discard(): void {
    this.out.pump(null, this.#buf);
    this.err.pump(null, this.#buf);
    this.out.flush(null);
    this.err.flush(null);
  }
}
