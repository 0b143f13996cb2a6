// How the views write values: HTML escaping, short ids, durations, times,
// sizes, job states and datum counts. Pure; ships to the browser as source
// (formatKit() closes over nothing).
import type { JobJson } from "./types.ts";

export function formatKit() {
  const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
  const short = (id: string | null | undefined) => (id ? id.slice(0, 12) : "-");
  /** An id usable in an HTML id attribute and a URL fragment. */
  const anchor = (prefix: string, name: string) => `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`;

  function fmtDuration(ms: number | null | undefined): string {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h} h ${m - h * 60} min`;
    return `${Math.floor(h / 24)} d ${h % 24} h`;
  }

  function fmtAgo(iso: string | null | undefined, now: number): string {
    if (!iso) return "-";
    const d = now - Date.parse(iso);
    if (!Number.isFinite(d)) return "-";
    // The coarse unit only: "5 min", not "5 min 12 s".
    const coarse = (ms: number) => fmtDuration(ms).replace(/ \d+ (s|min|h)$/, "");
    if (d < 0) return `in ${coarse(-d)}`;
    if (d < 2000) return "just now";
    return `${coarse(d)} ago`;
  }

  function fmtBytes(n: number): string {
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

  /** "2026-12-04 10:22:31 UTC" from an RFC 3339 time. */
  const fmtTime = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") : "-");

  const time = (iso: string | null | undefined, now: number) =>
    iso ? `<time datetime="${esc(iso)}" title="${esc(fmtTime(iso))}">${esc(fmtAgo(iso, now))}</time>` : "-";

  const jobClass = (state: string) => (state === "success" ? "js-ok" : state === "running" || state === "created" ? "js-run" : "js-bad");

  function countsText(j: JobJson): string {
    const d = j.datums;
    const parts = [`${d.processed} processed`, `${d.skipped} skipped`];
    if (d.failed) parts.push(`${d.failed} failed`);
    if (d.recovered) parts.push(`${d.recovered} recovered`);
    return `${d.total} datum${d.total === 1 ? "" : "s"}: ${parts.join(", ")}`;
  }

  return { esc, short, anchor, fmtDuration, fmtAgo, fmtBytes, fmtTime, time, jobClass, countsText };
}

export type FormatKit = ReturnType<typeof formatKit>;
