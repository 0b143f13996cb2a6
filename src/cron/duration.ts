// Go-style durations ("300ms", "1h30m", "1.5h") as milliseconds, per Go's time.ParseDuration.
// Pure; no I/O.

const NS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3, // micro sign, as Go accepts
  "\u03bcs": 1e3, // Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export const DURATION_HELP = 'units: ns, us, ms, s, m, h, combined as in "1h30m" or "1.5h"';

/** Milliseconds in a Go duration; may be fractional or negative. Throws an Error naming the accepted form. */
export function parseDuration(text: string): number {
  const fail = (why: string): never => {
    throw new Error(`invalid duration "${text}": ${why} (${DURATION_HELP})`);
  };
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest[0] === "-" ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") fail("it is empty");
  let ns = 0;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]*)/;
  while (rest !== "") {
    const m = part.exec(rest)!;
    const [all, whole, frac = "", unit] = m;
    if (whole === "" && frac === "") fail(`"${rest}" does not start with a number`);
    if (unit === "") fail(`"${all}" has no unit`);
    const scale = NS_PER_UNIT[unit];
    if (scale === undefined) fail(`unknown unit "${unit}"`);
    ns += Number(whole || "0") * scale + (frac === "" ? 0 : Number(`0.${frac}`) * scale);
    rest = rest.slice(all.length);
  }
  return (sign * ns) / 1e6;
}
