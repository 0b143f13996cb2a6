// Reads a spout's FIFO (SPEC §5) without ever parking a thread in a blocking
// open(2) or read(2). The read end is opened once, O_NONBLOCK, before the
// spout starts, and stays open until calf is done: writers never block in
// open nor get EPIPE, and data written between two writers stays in the pipe.
// read(2) then tells the three states apart (fifo(7), pipe(7)): data; 0 = no
// writer has the FIFO open (end of file); EAGAIN = a writer, but nothing yet.
import * as fs from "node:fs";

export interface FifoOptions {
  /** Settles when the writing process has exited (its process group killed). */
  exited: Promise<unknown>;
  /**
   * After `exited`, how long a writer may hold the FIFO open without writing
   * before calf stops reading (a process that left the spout's process group).
   */
  drainMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called when reading stopped because of such a straggler rather than at end of file. */
  onStraggler?: () => void;
}

const READ_SIZE = 1 << 20;
/** Idle polls back off to this; also bounds how late an exit is noticed. */
const MAX_DELAY_MS = 20;

export class FifoReader {
  readonly path: string;
  #fd: number | null;

  /** Opens the read end; call before starting the writer. */
  constructor(path: string) {
    this.path = path;
    this.#fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  }

  /**
   * Chunks as they arrive, and `null` at each end of file that follows data
   * (every writer closed: an archive in progress was cut short). Ends after
   * the process exited and the pipe is drained.
   */
  async *chunks(opts: FifoOptions): AsyncGenerator<Uint8Array | null> {
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const drainMs = opts.drainMs ?? 2000;
    let exited = false;
    opts.exited.then(() => (exited = true), () => (exited = true));
    const buf = new Uint8Array(READ_SIZE);
    let sawData = false;
    let idle = 0;
    let stalledSince: number | null = null;
    for (;;) {
      if (this.#fd === null) return;
      // `exited` only changes while we await, so a 0 read after it is set saw
      // everything the process group wrote before it was killed.
      const n = readNonBlocking(this.#fd, buf);
      if (n > 0) {
        sawData = true;
        idle = 0;
        stalledSince = null;
        yield buf.slice(0, n);
        continue;
      }
      if (n === 0 && sawData) {
        sawData = false;
        yield null;
      }
      if (exited) {
        if (n === 0) return;
        stalledSince ??= Date.now();
        if (Date.now() - stalledSince >= drainMs) {
          if (sawData) yield null;
          opts.onStraggler?.();
          return;
        }
      }
      await sleep(backoff(idle++));
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

/** Poll delays: a few immediate retries (a writer mid-burst), then 1, 2, 4 ... ms up to MAX_DELAY_MS. */
export function backoff(idle: number): number {
  return idle < 4 ? 0 : Math.min(2 ** (idle - 4), MAX_DELAY_MS);
}
