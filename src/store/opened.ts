// Storing a file calf opened itself, by descriptor: a file a transform or a
// folder's owner may swap for a link (or a FIFO) is opened O_NOFOLLOW and
// read through the descriptor, never again through a path they can redirect.
// Used for a live transform's outputs (transform/outputs.ts) and a folder's
// files (repo/files.ts putListed).
import * as fs from "node:fs";
import type { ObjectStore, StoredObject } from "./types.ts";

/** open(2) flags for a file that must not be a link, and must not block (a FIFO put in its place). */
export const NOFOLLOW_FILE = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** Files up to this size are read without leaving the event loop (a thread-pool hop costs more than the read). */
const SYNC_READ = 256 << 10;

/** The host path `fd` is open at (Linux /proc): where a file really is, whatever links led there. */
export const fdPath = (fd: number): string => fs.readlinkSync(`/proc/self/fd/${fd}`);

/**
 * Stores the file open as `fd` (a copy read once: the stored hash is the hash
 * of the stored bytes) and closes `fd`; `changed()` is thrown when it is not a
 * regular file.
 */
export async function putOpened(store: ObjectStore, fd: number, changed: () => Error): Promise<StoredObject> {
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw changed();
    if (st.size <= SYNC_READ) return await store.putBytes(fs.readFileSync(fd));
    return await store.putFile(`/proc/self/fd/${fd}`);
  } finally {
    fs.closeSync(fd);
  }
}
