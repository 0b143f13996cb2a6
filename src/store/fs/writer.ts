// Objects written piece by piece into temp files (the fs driver's writer() and
// writers()): synchronous writes, no promise per chunk; what becomes of the
// finished temp file (kept pending, dropped as a duplicate) is the store's call.
import * as fs from "node:fs";
import type { Hasher } from "../../../runtime/types.ts";
import type { ObjectWriter, WriterSource } from "../types.ts";

/** A writer over an open temp file; `finish(hash, size)` takes the file once closed. */
export function fileWriter(tmp: string, fd: number, hasher: Hasher, finish: (hash: string, size: number) => void): ObjectWriter {
  let size = 0;
  let open = true;
  const mustBeOpen = () => {
    if (!open) throw new Error(`object writer for "${tmp}" is already closed`);
  };
  return {
    write(buf) {
      mustBeOpen();
      hasher.update(buf);
      size += buf.byteLength;
      try {
        for (let off = 0; off < buf.byteLength; ) off += fs.writeSync(fd, buf, off);
      } catch (err) {
        throw withPath(err, tmp);
      }
    },
    close: () => {
      mustBeOpen();
      open = false;
      const hash = hasher.digest();
      finish(hash, size);
      return { hash, size };
    },
    abort() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
    },
  };
}

/**
 * Writers one after another (a spout's files), each one's temp file opened
 * on the thread pool while the one before is written: creating a file waits
 * for the filesystem's journal, ~0.4 ms here while other fsyncs run, which
 * for 1000 files was 15% of a spout's time. close() removes the temp file
 * opened ahead for nothing.
 */
export function writerSource(tmpName: () => string, writerOn: (tmp: string, fd: number) => ObjectWriter): WriterSource {
  let spare: { tmp: string; fd: number } | null = null;
  let opening: Promise<void> | null = null;
  let closed = false;
  const drop = (f: { tmp: string; fd: number }) => {
    fs.closeSync(f.fd);
    fs.rmSync(f.tmp, { force: true });
  };
  const openAhead = () => {
    const tmp = tmpName();
    opening = new Promise((resolve) =>
      fs.open(tmp, "w", 0o444, (err, fd) => {
        opening = null;
        // On error the next writer opens its file itself, and reports the error.
        if (!err && closed) drop({ tmp, fd });
        else if (!err) spare = { tmp, fd };
        resolve();
      })
    );
  };
  return {
    next: () => {
      if (closed) throw new Error("this writer source is closed");
      let file = spare;
      spare = null;
      if (!file) {
        const tmp = tmpName();
        file = { tmp, fd: fs.openSync(tmp, "w", 0o444) };
      }
      if (!opening) openAhead();
      return writerOn(file.tmp, file.fd);
    },
    close: async () => {
      closed = true;
      await opening;
      if (spare) drop(spare);
      spare = null;
    },
  };
}

/** A write error names its file (writeSync's does not), for "no space left on device (write /data/tmp/obj-…)". */
export function withPath(err: unknown, file: string): unknown {
  if (err && typeof err === "object" && !("path" in err)) (err as { path?: string }).path = file;
  return err;
}
