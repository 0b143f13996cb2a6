// The two FIFOs of datum batching: `datums` (calf writes one line per datum,
// the transform reads) and `answers` (the transform writes `ok`/`fail`, calf
// reads). calf makes both and opens both O_RDWR once, before any transform
// runs, and holds them for the slot's life: a transform's open never blocks
// (for reading or writing, there is always the other end), a transform may
// reopen them per line, and nothing a transform does to the paths later is
// ever opened by calf (in the slot sandbox they sit in the read-only channel
// folder anyway). Answers are read as they come (Runtime.watchFifo), so one
// arrives in tens of microseconds, not at the next poll.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";
import { MAX_ANSWER } from "./batchline.ts";

const PIPE_SIZE = 1 << 20;
/** How much unread() takes back at most per call (more than a full pipe). */
const UNREAD_MAX = 2 * PIPE_SIZE;

export class BatchFifos {
  /** Host paths of the two FIFOs. */
  readonly datums: string;
  readonly answers: string;
  #dfd: number;
  #answers: { close(): void };
  readonly #buf = Buffer.alloc(64 * 1024);
  #text = "";
  #lines: string[] = [];
  #waiting: ((line: string) => void) | null = null;
  #closed = false;

  constructor(dir: string, private readonly rt: Pick<Runtime, "mkfifo" | "setPipeSize" | "watchFifo">) {
    this.datums = path.join(dir, "datums");
    this.answers = path.join(dir, "answers");
    this.#dfd = this.#makeDatums();
    this.#answers = this.#makeAnswers();
  }

  /** A new answers FIFO (whatever was there goes), read as it comes. */
  #makeAnswers(): { close(): void } {
    fs.rmSync(this.answers, { force: true });
    this.rt.mkfifo(this.answers, 0o600);
    const decoder = new TextDecoder(); // no half character of the last process's carries over
    return this.rt.watchFifo(this.answers, (chunk) => this.#push(decoder.decode(chunk, { stream: true })));
  }

  /** A new datums FIFO (whatever was there goes), opened O_RDWR and non-blocking. */
  #makeDatums(): number {
    fs.rmSync(this.datums, { force: true });
    this.rt.mkfifo(this.datums, 0o600);
    const fd = fs.openSync(this.datums, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      this.rt.setPipeSize(fd, PIPE_SIZE);
    } catch { /* EPERM: a long datum line waits for the reader instead */ }
    return fd;
  }

  /**
   * End of input for the process reading `datums`: calf lets go of it (a
   * reader then sees end of file), and poke() wakes one blocked in open().
   * renew() makes a new one for the next process.
   */
  endDatums(): void {
    if (this.#dfd < 0) return;
    fs.closeSync(this.#dfd);
    this.#dfd = -1;
  }

  /** A reader blocked opening `datums` (a loop that reopens it per line) gets in, and then sees end of file. */
  poke(): void {
    try {
      fs.closeSync(fs.openSync(this.datums, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW));
    } catch { /* ENXIO: no reader is waiting */ }
  }

  /**
   * After a process ended: a new answers FIFO, so bytes it wrote that calf
   * had not read yet (a runaway answer cut short) can never pass for the
   * next process's answer; and a new datums FIFO when endDatums() let go of it.
   */
  renew(): void {
    if (this.#closed) return;
    this.#answers.close();
    this.#answers = this.#makeAnswers();
    this.clear();
    if (this.#dfd < 0) this.#dfd = this.#makeDatums();
  }

  /**
   * Writes one datum line (the pipe may be full for a while: a line longer
   * than its buffer, or a transform that filled it with bytes of its own and
   * never reads); gives up, with the line maybe half written, once
   * `cancelled()` says so (the datum timed out, the process ended, a stop).
   */
  async send(line: string, cancelled: () => boolean = () => false): Promise<void> {
    if (this.#dfd < 0) throw new Error("datum batching: the datums FIFO is closed");
    let bytes = Buffer.from(line);
    while (bytes.length && !cancelled()) {
      try {
        bytes = bytes.subarray(fs.writeSync(this.#dfd, bytes));
      } catch (err) {
        if ((err as { code?: string }).code !== "EAGAIN") throw err;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }

  /**
   * Takes back what no transform read from `datums` (a line sent to a process
   * that then died, or bytes a transform wrote there): at most UNREAD_MAX
   * bytes, so a transform that keeps writing there cannot hold calf in this
   * loop or fill its memory.
   */
  unread(): string {
    let text = "";
    if (this.#dfd < 0) return text;
    for (let total = 0; total < UNREAD_MAX; ) {
      let n: number;
      try {
        n = fs.readSync(this.#dfd, this.#buf, 0, this.#buf.length, null);
      } catch (err) {
        if ((err as { code?: string }).code === "EAGAIN") return text;
        throw err;
      }
      if (n === 0) return text;
      total += n;
      if (text.length < this.#buf.length) text += this.#buf.toString("utf8", 0, n);
    }
    return text;
  }

  /** An answer was read that no datum asked for yet. */
  pending(): boolean {
    return this.#lines.length > 0 || this.#text.length > 0;
  }

  /** Forgets answers read so far (a new process starts). */
  clear(): void {
    this.#lines = [];
    this.#text = "";
  }

  /** The next answer line (without "\n"); one waiter at a time: see cancel(). */
  next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Drops the waiter of next() (the datum ended some other way); its promise never settles. */
  cancel(): void {
    this.#waiting = null;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiting = null;
    this.endDatums();
    this.#answers.close();
  }

  #push(text: string): void {
    if (this.#closed) return;
    this.#text += text;
    for (let nl = this.#text.indexOf("\n"); nl >= 0; nl = this.#text.indexOf("\n")) {
      this.#lines.push(this.#text.slice(0, nl));
      this.#text = this.#text.slice(nl + 1);
    }
    // A runaway answer: handed on as one (bad) line rather than held without bound.
    if (this.#text.length > MAX_ANSWER) {
      this.#lines.push(this.#text.slice(0, MAX_ANSWER));
      this.#text = "";
    }
    const w = this.#waiting;
    if (w && this.#lines.length) {
      this.#waiting = null;
      w(this.#lines.shift()!);
    }
  }
}
