// Line framing for spawnLines(): bytes from a child's stdout in, whole lines
// out, one waiting reader at a time. Shared by both adapters. Private to runtime/.

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
