// Datum logs on disk: one file per attempt under <data>/logs/<pipeline>/<job>/,
// bounded (the head is cut, the tail kept), and the tail quoted in reasons.
import * as fs from "node:fs";

export const LOG_MAX = 1 << 20;
const TAIL = 800;

/** Keeps at most LOG_MAX bytes of a log: the tail, behind a note. */
export function trimLog(file: string): void {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st || st.size <= LOG_MAX) return;
  const fd = fs.openSync(file, "r");
  const buf = Buffer.alloc(LOG_MAX);
  fs.readSync(fd, buf, 0, LOG_MAX, st.size - LOG_MAX);
  fs.closeSync(fd);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`[calf: ${st.size - LOG_MAX} earlier bytes dropped]\n`), buf]));
}

/** ": <last lines>" of a log, for a failure reason; "" when empty. */
export function tailOf(file: string): string {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st || st.size === 0) return "";
  const n = Math.min(TAIL, st.size);
  const fd = fs.openSync(file, "r");
  const buf = Buffer.alloc(n);
  fs.readSync(fd, buf, 0, n, st.size - n);
  fs.closeSync(fd);
  const text = buf.toString("utf8").trim().split("\n").slice(-5).join(" | ");
  return text ? `: ${text}` : "";
}
