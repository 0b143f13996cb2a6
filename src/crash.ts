// Crash points for the crash-point suite (test/ops/crashpoints.test.ts): when
// armed by main.ts (CALF_CRASH_AT=name:N), calf SIGKILLs itself at the N-th hit
// of that named point. Unarmed (always, outside that suite) crashPoint() is a
// null check and a return. No I/O besides the kill; never imported by tests' own logic.

/** Every point, in the order data passes them. README "Guarantees" lists what each one proves. */
export const CRASH_POINTS = [
  "object.written", // a new object's temp file is complete (store/fs)
  "object.stored", // an object was renamed into objects/ (flush), not yet referenced
  "commit.tx", // inside the commit transaction: tree nodes, commit row and branch head written, not committed
  "datum.recorded", // a batch of datum results was committed (the job goes on)
  "merge.file", // mid-merge: one output path of the job merged (its concatenation stored)
  "spout.entry", // mid-archive: one file of a spout archive stored
  "spout.marker", // inside the archive's commit transaction, just after the marker row
  "spout.committed", // an archive's commit (and its marker) committed, before the next archive
  "gc.trashed", // gc moved an unreferenced object aside, before it decided to unlink it
] as const;

export type CrashPointName = (typeof CRASH_POINTS)[number];

let armed: { name: CrashPointName; left: number } | null = null;

/**
 * Arms one point from `spec` ("name:N", N >= 1); undefined or "" disarms.
 * Returns an error message for a malformed spec (main.ts reports it).
 */
export function armCrash(spec: string | undefined): string | null {
  armed = null;
  if (!spec) return null;
  const m = /^([a-z.]+):([1-9][0-9]*)$/.exec(spec);
  const name = m?.[1] as CrashPointName | undefined;
  if (!m || !name || !CRASH_POINTS.includes(name)) {
    return `CALF_CRASH_AT="${spec}" is not NAME:N with NAME one of ${CRASH_POINTS.join(", ")}`;
  }
  armed = { name, left: Number(m[2]) };
  return null;
}

/** Dies here (SIGKILL, no cleanup, like a power cut for everything but the page cache) at the armed hit. */
export function crashPoint(name: CrashPointName): void {
  if (armed === null || armed.name !== name) return;
  if (--armed.left === 0) process.kill(process.pid, "SIGKILL");
}
