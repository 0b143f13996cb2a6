// A failed job's reason, shortened for one summary line: the stored reason
// names every failed datum (SPEC §4.4); the line `run` prints names a few and
// says how many more, and where to see them all. Pure; no I/O.

/** Failed datums named on a summary line before "and N more". */
export const SHOWN_DATUMS = 3;

/** Splits "datum a (/x) failed: ...; datum b (/y) failed: ..." at each datum, even when a part holds "; ". */
export function datumParts(reason: string): string[] {
  return reason.split(/; (?=datum [0-9a-f]{4,} \()/);
}

export function shortReason(reason: string, jobId: string, shown = SHOWN_DATUMS): string {
  const parts = datumParts(reason);
  if (parts.length <= shown) return reason;
  const more = parts.length - shown;
  return `${parts.slice(0, shown).join("; ")}; and ${more} more failed datum${more === 1 ? "" : "s"} (calf list datum ${jobId.slice(0, 12)} --state failed)`;
}
