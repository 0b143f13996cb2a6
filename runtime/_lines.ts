// Line framing for spawnLines(): bytes from a child's stdout in, whole lines
// out, one waiting reader at a time; and the LineChild built around it. Shared
// by both adapters. Private to runtime/.
import { superviseGroup } from "./_group.ts";
import type { LineChild } from "./types.ts";

export class LineQueue {
  #text = "";
  #closed = false;
  #waiting: ((line: string | null) => void) | null = null;
  #decoder = new TextDecoder();

  push(chunk: Uint8Array): void {
    this.#text += this.#decoder.decode(chunk, { stream: true });
    this.#wake();
  }

  close(): void {
    this.#text += this.#decoder.decode();
    this.#closed = true;
    this.#wake();
  }

  /** The next line without its "\n"; at end of stream a last unterminated piece, then null. */
  next(): Promise<string | null> {
    if (this.#waiting) throw new Error("LineQueue.next(): a receive() is already pending");
    const line = this.#take();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  #take(): string | null | undefined {
    const nl = this.#text.indexOf("\n");
    if (nl >= 0) {
      const line = this.#text.slice(0, nl);
      this.#text = this.#text.slice(nl + 1);
      return line;
    }
    if (!this.#closed) return undefined;
    if (this.#text) {
      const rest = this.#text;
      this.#text = "";
      return rest;
    }
    return null;
  }

  #wake(): void {
    if (!this.#waiting) return;
    const line = this.#take();
    if (line === undefined) return;
    const resolve = this.#waiting;
    this.#waiting = null;
    resolve(line);
  }
}

/**
 * The LineChild both adapters return: `write`/`close` reach the child's stdin
 * (writes after end() or after the child exited are dropped: receive() says
 * null), `lines` is fed from its stdout.
 */
export function lineChild(
  pid: number,
  exited: Promise<{ exitCode: number | null; signal: string | null }>,
  lines: LineQueue,
  stdin: { write(text: string): void; close(): void },
): LineChild {
  let open = true;
  const end = () => {
    if (!open) return;
    open = false;
    try {
      stdin.close();
    } catch { /* already gone */ }
  };
  void exited.then(end);
  return {
    ...superviseGroup(pid, exited),
    send(line) {
      if (!open) return;
      try {
        stdin.write(`${line}\n`);
      } catch { /* the child is gone: receive() says so with null */ }
    },
    receive: () => lines.next(),
    end,
  };
}
