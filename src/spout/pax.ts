// pax extended header records (POSIX pax, "pax Extended Header"): a sequence
// of "LENGTH KEYWORD=VALUE\n", LENGTH counting the whole record in bytes,
// keyword and value in UTF-8. Pure.
import { decodeUtf8 } from "./header.ts";

export type PaxParse = { records: [string, string][] } | { reason: string };

export function parsePax(body: Uint8Array): PaxParse {
  const records: [string, string][] = [];
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0) break; // NUL padding after the last record
    const space = body.indexOf(0x20, at);
    const digits = space < 0 || space - at > 9 ? "" : String.fromCharCode(...body.subarray(at, space));
    if (!/^[1-9]\d{0,8}$/.test(digits)) return { reason: `record at offset ${at} does not start with its length` };
    const len = Number(digits);
    const end = at + len;
    if (end > body.length || body[end - 1] !== 0x0a) return { reason: `record at offset ${at} is not ${len} bytes ending in a newline` };
    const rec = body.subarray(space + 1, end - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) return { reason: `record at offset ${at} has no KEYWORD=VALUE` };
    const key = decodeUtf8(rec.subarray(0, eq));
    const value = decodeUtf8(rec.subarray(eq + 1));
    if (key === null || value === null) return { reason: `record at offset ${at} is not valid UTF-8` };
    records.push([key, value]);
    at = end;
  }
  return { records };
}
