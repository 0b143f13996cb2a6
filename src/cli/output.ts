// How commands print: JSON (SPEC §2.3 shapes) or aligned text tables.
// Writes through an injected sink so commands are testable without stdout.

export type { Out } from "../app.ts";
import type { Out } from "../app.ts";

export function printJson(out: Out, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + "\n");
}

/**
 * Text safe for a terminal: control characters (C0 but tab, DEL, C1, and the
 * bidi overrides) as \xNN / \u{NNNN}, so a file name or a transform's output
 * cannot move the cursor, clear the screen or disguise itself.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.codePointAt(0)!;
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
  });
}

/** Prints rows under headers, columns padded to their widest cell (cells made printable). */
export function printTable(out: Out, headers: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : printable(String(c)))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const lines = cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
  out.write(lines.join("\n") + "\n");
}

/** Prints an object as "key: value" lines (inspect commands in text mode). */
export function printFields(out: Out, fields: [string, unknown][]): void {
  const w = Math.max(...fields.map(([k]) => k.length));
  const lines = fields.map(([k, v]) => `${(k + ":").padEnd(w + 1)} ${v === null || v === undefined ? "-" : typeof v === "object" ? JSON.stringify(v) : printable(String(v))}`);
  out.write(lines.join("\n") + "\n");
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function short(id: string | null | undefined): string {
  return id ? id.slice(0, 12) : "-";
}

/** git's rule for "binary": a NUL byte in the first 8000 bytes. */
export function looksBinary(head: Uint8Array): boolean {
  return head.subarray(0, 8000).includes(0);
}
