// Fields of one 512-byte tar header block (POSIX ustar, GNU and v7 layouts):
// checksum, numbers (octal or GNU base-256), the entry name, the type flag.
// Pure: bytes in, values out.

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const MAGIC_POSIX = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00]; // "ustar\0"; GNU writes "ustar  \0"

export function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** The sum of the header's bytes with the checksum field read as spaces, unsigned or (old tars) signed. */
export function checksumOk(b: Uint8Array): boolean {
  const want = parseNumber(b, 148, 8);
  if (want === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return want === unsigned || want === signed;
}

/**
 * A numeric field: octal digits (leading spaces, ended by NUL or space), or
 * GNU base-256 when the high bit of the first byte is set. null if malformed,
 * negative or beyond 2^53.
 */
export function parseNumber(b: Uint8Array, off: number, len: number): number | null {
  const first = b[off]!;
  if (first & 0x80) {
    if (first & 0x40) return null; // negative
    let v = first & 0x3f;
    for (let i = 1; i < len; i++) {
      v = v * 256 + b[off + i]!;
      if (v > Number.MAX_SAFE_INTEGER) return null;
    }
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && b[i] === 0x20) i++;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return null;
    v = v * 8 + (c - 0x30);
  }
  for (; i < end; i++) if (b[i] !== 0 && b[i] !== 0x20) return null;
  return v > Number.MAX_SAFE_INTEGER ? null : v;
}

/** The bytes of a NUL-terminated field. */
function field(b: Uint8Array, off: number, len: number): Uint8Array {
  const f = b.subarray(off, off + len);
  const nul = f.indexOf(0);
  return nul < 0 ? f : f.subarray(0, nul);
}

/** The entry's name: `prefix/name` in POSIX ustar, the name field alone in GNU and v7 headers. */
export function nameField(b: Uint8Array): Uint8Array {
  const name = field(b, 0, 100);
  const posix = MAGIC_POSIX.every((c, i) => b[257 + i] === c);
  const prefix = posix ? field(b, 345, 155) : new Uint8Array(0);
  if (prefix.length === 0) return name;
  const out = new Uint8Array(prefix.length + 1 + name.length);
  out.set(prefix, 0);
  out[prefix.length] = 0x2f;
  out.set(name, prefix.length + 1);
  return out;
}

/** UTF-8 text, or null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Drops the trailing NULs GNU tar writes after a long name. */
export function stripNuls(b: Uint8Array): Uint8Array {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end);
}

/** A name that is not valid UTF-8, for messages: printable ASCII as is, other bytes as \xNN. */
export function quoteBytes(b: Uint8Array): string {
  let s = "";
  for (const c of b.subarray(0, 200)) s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  return `"${s}${b.length > 200 ? "..." : ""}"`;
}

export type EntryType =
  | { kind: "file" | "dir"; hasData: boolean }
  | { kind: "other"; what: string; hasData: boolean };

/**
 * What a type flag means here. Links, devices and FIFOs carry no data whatever
 * their size field says (as Go's archive/tar reads them); unknown types are
 * skipped by their size.
 */
export function entryType(flag: string): EntryType {
  switch (flag) {
    case "0": case "\0": case "7": return { kind: "file", hasData: true };
    case "5": return { kind: "dir", hasData: false };
    case "D": return { kind: "dir", hasData: true }; // GNU dumpdir: a directory followed by a listing
    case "1": return { kind: "other", what: "a hard link", hasData: false };
    case "2": return { kind: "other", what: "a symbolic link", hasData: false };
    case "3": return { kind: "other", what: "a character device", hasData: false };
    case "4": return { kind: "other", what: "a block device", hasData: false };
    case "6": return { kind: "other", what: "a FIFO", hasData: false };
    default: return { kind: "other", what: `of unsupported type ${JSON.stringify(flag)}`, hasData: true };
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Where ustar, GNU and pax headers carry their magic ("ustar"). */
const MAGIC_AT = 257;
const MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72]; // "ustar"

/** The offset of the first whole header in `buf` with the "ustar" magic and a valid checksum, at any byte offset; -1 when none. */
export function findHeader(buf: Uint8Array): number {
  for (let m = buf.indexOf(MAGIC[0]!, MAGIC_AT); m >= 0 && m - MAGIC_AT + 512 <= buf.length; m = buf.indexOf(MAGIC[0]!, m + 1)) {
    if (!MAGIC.every((c, k) => buf[m + k] === c)) continue;
    const start = m - MAGIC_AT;
    if (checksumOk(buf.subarray(start, start + 512))) return start;
  }
  return -1;
}
