// Taking in a file its owner gives up (a transform's output), without a copy
// where that is safe: it is renamed to the store's own temp name first and
// then checked to be the very file that was looked at (not swapped for a
// link, not hard-linked since). A file with other hard links shares its inode
// with a file elsewhere (a transform without a sandbox can link any file of
// its user's into /pfs/out): moving it would let later edits of that file
// change stored bytes, so such a file (and one on another filesystem) is left
// for the caller to copy.
import * as fs from "node:fs";

/** Moves `src` to `tmp` and returns its size; null when it must be copied instead (left in place). */
export function moveIn(src: string, tmp: string): number | null {
  const st = fs.lstatSync(src);
  if (!st.isFile()) throw new Error(`"${src}" is not a regular file`);
  if (st.nlink > 1) return null;
  try {
    fs.renameSync(src, tmp);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EXDEV") return null;
    throw err;
  }
  const moved = fs.lstatSync(tmp);
  if (!moved.isFile() || moved.ino !== st.ino || moved.dev !== st.dev || moved.nlink > 1) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`"${src}" changed while calf was storing it`);
  }
  return moved.size;
}
