// Making a temp file durable: fsync by path, or fsync on the thread pool then
// close (a big object's early sync). The fs driver's flush() waits for these
// before it renames anything into place.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";

export async function fsyncPath(p: string): Promise<void> {
  const fh = await fsp.open(p, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync(2) on a thread of the runtime's pool, then close: the caller goes on meanwhile. */
export function syncAndClose(fd: number): Promise<void> {
  const done = new Promise<void>((resolve, reject) =>
    fs.fsync(fd, (err) => {
      try {
        fs.closeSync(fd);
      } catch (closeErr) {
        err ??= closeErr as NodeJS.ErrnoException;
      }
      if (err) reject(err);
      else resolve();
    })
  );
  done.catch(() => undefined); // not unhandled: the flush() that waits for it rethrows
  return done;
}
