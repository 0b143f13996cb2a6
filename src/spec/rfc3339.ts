// RFC 3339 timestamps ("2026-01-02T03:04:05Z", "2026-01-02T05:04:05.5+02:00"), strictly:
// JavaScript's Date.parse accepts "2026-02-30", which a spec must not. Pure.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The instant, or undefined when `text` is not an RFC 3339 date-time with a valid calendar date. */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s, oh, om] = [1, 2, 3, 4, 5, 6, 9, 10].map((i) => Number(m[i] ?? 0));
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) return undefined;
  if (oh > 23 || om > 59) return undefined;
  const offsetMs = (m[8] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMs);
}
