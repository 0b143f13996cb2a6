// What makes gc safe beside writers, on the fs driver. A reuse (a writer found
// the object already stored) sets its mtime to now, so gc's grace period
// counts from the reuse. gc's delete is atomic against writers: the object is
// renamed aside first, so a writer that looks for it from then on finds it gone and
// writes it again; one that reused it just before moved its mtime, and then
// it goes back. A gc killed in between leaves the aside file, which the next
// leftover sweep puts back (ops/leftovers.ts).
import * as fs from "node:fs";
import { crashPoint } from "../../crash.ts";

/** Removes `final` unless its mtime moved past `unchangedSince`; false when it was kept or not there. */
export function removeUnlessReused(final: string, aside: string, unchangedSince: number): boolean {
  try {
    fs.renameSync(final, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  crashPoint("gc.trashed");
  if (fs.statSync(aside).mtimeMs > unchangedSince) {
    fs.renameSync(aside, final); // reused meanwhile: keep it (a fresh copy there has the same bytes)
    return false;
  }
  fs.unlinkSync(aside);
  return true;
}

/** Sets a stored object's mtime to `now`; false when it is not there (also when gc just moved it aside). */
export function touchIfStored(final: string, now: Date): boolean {
  try {
    fs.utimesSync(final, now, now);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    return fs.existsSync(final); // e.g. a read-only data dir: present is present
  }
}
