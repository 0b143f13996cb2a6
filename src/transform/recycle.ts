// Input copies reused from datum to datum within one worker slot: cleaning up
// a datum moves its copies into the slot's spare folder (outside /pfs)
// instead of unlinking them, and the next datum's copies are written over
// spares moved into place. On ext4 a new inode costs far more than a rename
// and an overwrite (allocating one scans inode bitmaps past every recently
// deleted inode), and a datum-per-file job made and deleted one per datum.
// Safe because nothing of a datum outlives it on its slot (its processes are
// killed; in a sandbox /pfs is read-only), and under datum batching the next
// datum is the same process's anyway.
import * as fs from "node:fs";
import * as path from "node:path";

/** Spares kept at most; more are unlinked. */
const MAX_SPARES = 256;

export class InputRecycler {
  readonly #dir: string;
  readonly #spares: string[] = [];
  #seq = 0;

  /** `dir` is the slot's spare folder (created on first use), never under /pfs. */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /**
   * Moves a spare to `dest` (its folder must exist), writable for the copy
   * that overwrites it; false when there is none (the caller creates the file).
   */
  place(dest: string): boolean {
    const spare = this.#spares.pop();
    if (spare === undefined) return false;
    try {
      fs.chmodSync(spare, 0o600);
      fs.renameSync(spare, dest);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && fs.existsSync(spare)) {
        this.#spares.push(spare);
        throw err; // dest's folder is missing: the caller makes it and asks again
      }
      fs.rmSync(spare, { force: true });
      return false;
    }
  }

  /**
   * Takes `file` (a datum's input copy) as a spare, or unlinks it. Only a
   * regular file with no other link is kept: without a sandbox a transform
   * could have put a symlink or a hard link to a host file in its place, and
   * the next copy would be written through it.
   */
  give(file: string): void {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st?.isFile() && st.nlink === 1 && this.#spares.length < MAX_SPARES) {
      const spare = path.join(this.#dir, String(this.#seq++));
      try {
        fs.renameSync(file, spare);
        this.#spares.push(spare);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        fs.mkdirSync(this.#dir, { recursive: true });
        try {
          fs.renameSync(file, spare);
          this.#spares.push(spare);
          return;
        } catch { /* gone (a transform removed it), or elsewhere: nothing to keep */ }
      }
    }
    fs.rmSync(file, { force: true });
  }
}
