// Byte-wise (UTF-8) ordering of strings and string lists: the one order used
// for datum enumeration (SPEC §4.1) and merge parts (SPEC §4.4).
// Pure; no I/O. JS `<` compares UTF-16 code units, which disagrees with UTF-8
// byte order for astral characters versus U+E000–U+FFFF, hence this module.

/** Compare two strings by the bytes of their UTF-8 encoding; returns -1, 0 or 1. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length < b.length ? -1 : 1;
  // UTF-8 byte order equals code point order; compare the code points starting
  // at the first differing unit. If both units are low surrogates their high
  // halves were equal, so comparing the units themselves is already right.
  const ca = a.codePointAt(i)!;
  const cb = b.codePointAt(i)!;
  return ca < cb ? -1 : 1;
}

/** Compare string lists element-wise with compareBytes; a proper prefix sorts first. */
export function compareKeys(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareBytes(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
