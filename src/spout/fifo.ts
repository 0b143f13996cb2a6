// Reads a spout's FIFO (SPEC §5): one O_NONBLOCK read end, open from before
// the spout starts until calf is done, polled with a short backoff. No thread
// ever parks in a blocking open(2) or read(2), so nothing can hang after the
// process exits. Node fs, plus the runtime's F_SETPIPE_SZ to widen the pipe.
import * as fs from "node:fs";
import type { Runtime } from "../../runtime/types.ts";

export interface FifoOptions {
  /** Settles when the writing process has exited (its process group killed). */
  exited: Promise<unknown>;
  /**
   * After `exited`, how long a writer may hold the FIFO open without writing
   * before calf stops reading (a process that left the spout's process group).
   */
  drainMs?: number;
  /** Waits `ms` (0: just yield to the event loop). */
  sleep?: (ms: number) => Promise<void>;
  /** Called when reading stopped because of such a straggler rather than at end of file. */
  onStraggler?: () => void;
}

/**
 * The pipe buffer asked for (Linux's default pipe-max-size). A 64 KiB pipe
 * makes the writer and calf take turns 16 times per MiB; at 1 MiB a busy
 * writer runs ahead while calf hashes and writes (3-4× the read throughput).
 */
const PIPE_SIZE = 1 << 20;
const READ_SIZE = PIPE_SIZE;
/**
 * Right after data, poll by merely yielding to the event loop: a busy writer
 * refills the 64 KiB pipe within microseconds, and a timer (clamped to ~1 ms)
 * would cap throughput near 60 MiB/s. After SPIN_MS without data, back off.
 */
const SPIN_MS = 2;
/** Idle polls back off to this; it also bounds how late an exit is noticed. */
const MAX_DELAY_MS = 20;

const defaultSleep = (ms: number) => new Promise<void>((r) => (ms === 0 ? setImmediate(r) : setTimeout(r, ms)));

/**
 * Why one non-blocking read end (fifo(7), pipe(7)): while it is open, a
 * writer's open(2) never blocks and its writes never get EPIPE, and data a
 * writer leaves behind stays in the pipe even if no one reads at that moment
 * (closing and reopening a blocking reader would lose it, or block in open(2)
 * until the next writer). read(2) still tells the three states apart: data;
 * 0 = no writer has the FIFO open (end of file: an archive in progress was cut
 * short); EAGAIN = a writer is there but has written nothing yet.
 */
export class FifoReader {
  readonly path: string;
  #fd: number | null;

  /**
   * Opens the read end; call before starting the writer. With `rt`, widens the
   * pipe to PIPE_SIZE where the kernel allows (else it stays as it is).
   */
  constructor(path: string, rt?: Pick<Runtime, "setPipeSize">) {
    this.path = path;
    this.#fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      rt?.setPipeSize(this.#fd, PIPE_SIZE);
    } catch { /* EPERM: pipe-max-size is lower here; a smaller pipe only costs speed */ }
  }

  /**
   * Chunks as they arrive, and `null` at each end of file that follows data
   * (every writer closed: an archive in progress was cut short). Ends after
   * the process exited and the pipe is drained. A chunk is a view into one
   * reused buffer, valid until the next one is asked for: consume (or copy) it
   * before then. Saves a copy of every byte.
   */
  async *chunks(opts: FifoOptions): AsyncGenerator<Uint8Array | null> {
    const sleep = opts.sleep ?? defaultSleep;
    const drainMs = opts.drainMs ?? 2000;
    let exited = false;
    opts.exited.then(() => (exited = true), () => (exited = true));
    const buf = new Uint8Array(READ_SIZE);
    let sawData = false;
    let lastData = performance.now();
    let sleeps = 0;
    let stalledSince: number | null = null;
    for (;;) {
      if (this.#fd === null) return;
      // `exited` only changes while we await, so a 0 read after it is set saw
      // everything the process group wrote before it was killed.
      const n = readNonBlocking(this.#fd, buf);
      if (n > 0) {
        sawData = true;
        sleeps = 0;
        stalledSince = null;
        yield buf.subarray(0, n);
        lastData = performance.now(); // after the consumer's turn: its time is not idle time
        // A busy writer keeps this loop in microtasks: let timers and I/O callbacks
        // (a commit waiting for its fsyncs) run between chunks, not only when the pipe runs dry.
        await sleep(0);
        continue;
      }
      if (n === 0 && sawData) {
        sawData = false;
        yield null;
      }
      if (exited) {
        if (n === 0) return;
        stalledSince ??= performance.now();
        if (performance.now() - stalledSince >= drainMs) {
          if (sawData) yield null;
          opts.onStraggler?.();
          return;
        }
      }
      const ms = pollDelay(performance.now() - lastData, sleeps);
      if (ms > 0) sleeps++;
      await sleep(ms);
    }
  }

  close(): void {
    if (this.#fd === null) return;
    fs.closeSync(this.#fd);
    this.#fd = null;
  }
}

/** Bytes read; 0 at end of file; -1 when a writer is connected but nothing is there (EAGAIN). */
function readNonBlocking(fd: number, buf: Uint8Array): number {
  try {
    return fs.readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "EAGAIN" || code === "EWOULDBLOCK") return -1;
    throw err;
  }
}

/** How long to wait before the next poll: 0 (yield) for SPIN_MS after data, then 1, 2, 4 ... ms up to MAX_DELAY_MS. */
export function pollDelay(msSinceData: number, sleeps: number): number {
  return msSinceData < SPIN_MS ? 0 : Math.min(2 ** sleeps, MAX_DELAY_MS);
}
