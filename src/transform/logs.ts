// Datum logs on disk: one file per attempt under <data>/logs/<pipeline>/<job>/,
// one line per line the transform wrote: "<RFC 3339 time> <out|err|calf> <text>".
// Bounded: the first LOG_MAX bytes, then the last lines behind a note of what
// was dropped. The tail goes into a failed datum's reason.
import * as fs from "node:fs";
import { isDiskFull } from "../errors.ts";

export const LOG_MAX = 1 << 20;
/** Lines of the end of a long log kept in memory and written when the attempt ends. */
const KEEP_LINES = 200;
/** Lines quoted in a failure reason. */
const REASON_LINES = 5;

export type Stream = "out" | "err" | "calf";

export interface LogLine {
  time: string;
  stream: Stream;
  text: string;
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (out|err|calf) (.*)$/s;

/** One stored line; a line in no known shape (a log from an older calf) reads as stdout text. */
export function parseLogLine(raw: string): LogLine {
  const m = LINE.exec(raw);
  return m ? { time: m[1]!, stream: m[2] as Stream, text: m[3]! } : { time: "", stream: "out", text: raw };
}

/** Where a running transform's lines go (LogTap writes them; the caller closes it). */
export interface LogSink {
  line(stream: Stream, text: string): void;
  /** Writes what is buffered. */
  flush(): void;
  /** ": <last lines>" for a failure reason; "" when nothing was written. */
  tail(): string;
  close(): void;
}

/** The log of one attempt, written as lines arrive. The file exists only once something was written. */
export class AttemptLog implements LogSink {
  readonly file: string;
  readonly #now: () => Date;
  #fd: number | null = null;
  #pending = "";
  #bytes = 0;
  #dropped = 0;
  #end: string[] = [];
  #last: string[] = [];

  constructor(file: string, now: () => Date) {
    this.file = file;
    this.#now = now;
  }

  line(stream: Stream, text: string): void {
    const line = `${this.#now().toISOString()} ${stream} ${text}\n`;
    this.#last.push(text);
    if (this.#last.length > REASON_LINES) this.#last.shift();
    if (this.#bytes + line.length <= LOG_MAX && this.#dropped === 0) {
      this.#write(line);
      return;
    }
    this.#end.push(line);
    if (this.#end.length > KEEP_LINES) this.#dropped += Buffer.byteLength(this.#end.shift()!);
  }

  /** ": <last lines>" for a failure reason; "" when nothing was written. */
  tail(): string {
    const text = this.#last.map((l) => l.trim()).filter((l) => l).join(" | ");
    return text ? `: ${text.slice(-800)}` : "";
  }

  /** Writes what is buffered (one write per poll, not one per line). */
  flush(): void {
    if (!this.#pending) return;
    try {
      this.#fd ??= fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW, 0o644);
      fs.writeSync(this.#fd, this.#pending);
    } catch (err) {
      // A full disk (often filled by this very transform) must not fail what is logged: the
      // lines miss from the file, not from tail() and so not from a failure's reason.
      if (!isDiskFull(err)) throw err;
    }
    this.#pending = "";
  }

  /** Writes the kept end of a long log and closes the file. */
  close(): void {
    if (this.#end.length) {
      if (this.#dropped) this.#write(`${this.#now().toISOString()} calf [${this.#dropped} bytes of output dropped: the log keeps the first ${LOG_MAX} bytes and the last ${KEEP_LINES} lines]\n`);
      for (const l of this.#end.splice(0)) this.#write(l);
    }
    this.flush();
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = null;
  }

  #write(line: string): void {
    this.#pending += line;
    this.#bytes += Buffer.byteLength(line);
    if (this.#pending.length >= 1 << 16) this.flush();
  }
}

/**
 * The log of a process that runs for days (a spout): files of at most LOG_MAX
 * bytes, `<base>.0000.log`, `<base>.0001.log`, ..., of which the last `keep`
 * stay; the name order is the time order.
 */
export class RotatingLog implements LogSink {
  readonly #base: string;
  readonly #now: () => Date;
  readonly #keep: number;
  #seq = 0;
  #log: AttemptLog;
  #bytes = 0;

  constructor(base: string, now: () => Date, keep = 10) {
    this.#base = base;
    this.#now = now;
    this.#keep = keep;
    this.#log = new AttemptLog(this.#file(0), now);
  }

  line(stream: Stream, text: string): void {
    const n = Buffer.byteLength(text) + 32;
    if (this.#bytes + n > LOG_MAX && this.#bytes > 0) this.#rotate();
    this.#bytes += n;
    this.#log.line(stream, text);
  }

  flush(): void {
    this.#log.flush();
  }

  tail(): string {
    return this.#log.tail();
  }

  close(): void {
    this.#log.close();
  }

  #rotate(): void {
    this.#log.close();
    this.#seq++;
    this.#bytes = 0;
    this.#log = new AttemptLog(this.#file(this.#seq), this.#now);
    if (this.#seq >= this.#keep) fs.rmSync(this.#file(this.#seq - this.#keep), { force: true });
  }

  #file(seq: number): string {
    return `${this.#base}.${String(seq).padStart(4, "0")}.log`;
  }
}
