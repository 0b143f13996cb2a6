// Incremental tar framing for spouts (SPEC §5): bytes in, events out. Finds
// where each archive ends (two zero blocks), checks headers and entry names,
// and passes file data through as views of the input: an archive is never
// held in memory. Pure: no I/O, no clock. Formats: ustar, GNU, pax.
import { checksumOk, decodeUtf8, entryType, isZeroBlock, nameField, parseNumber, quoteBytes, stripNuls } from "./header.ts";
import { checkEntryName } from "./names.ts";
import { parsePax } from "./pax.ts";

export type EntryKind = "file" | "dir";

export type TarEvent =
  /** A file or directory entry starts; `path` is absolute in the repo ("/a/b"). */
  | { type: "entry"; path: string; kind: EntryKind; size: number; mode: number }
  /** Bytes of the current file: a view into the chunk given to `feed` (copy it to keep it). */
  | { type: "data"; bytes: Uint8Array }
  | { type: "entryEnd" }
  /** The end marker of a valid archive: every entry since the previous archive is complete. */
  | { type: "archiveEnd"; archive: number }
  /** The archive is invalid and discarded; the rest of it is skipped without events. */
  | { type: "rejected"; archive: number; reason: string }
  /** End of file inside an archive (from `end()`): the archive is discarded. */
  | { type: "truncated"; archive: number; reason: string };

const BLOCK = 512;
/** Cap on pax and GNU long-name bodies, the only ones buffered (PATH_MAX is 4096). */
export const META_MAX = 1 << 20;

type Mode =
  | "idle" // between archives: zero blocks are padding
  | "header" // inside an archive, at a header block
  | "body" // inside an entry's data (and the padding after it)
  | "lost"; // a header failed its checksum: sizes cannot be trusted until end of file

/** Where body bytes go: out as data events, into the pax/long-name buffer, or nowhere. */
type Sink = "data" | "meta" | "skip";

export class TarFramer {
  #block = new Uint8Array(BLOCK);
  #blockLen = 0;
  #mode: Mode = "idle";
  #left = 0; // body bytes still to come
  #pad = 0; // then padding bytes up to the next block
  #sink: Sink = "skip";
  #entryOpen = false;
  #metaType = "";
  #meta: Uint8Array[] = [];
  #zeros = 0; // consecutive zero blocks inside an archive
  #rejected = false;
  #archive = 0; // 1-based number of the current (or last) archive
  #pos = 0;
  #archiveStart = 0; // stream position of the current archive's first byte
  #global = new Map<string, string>(); // pax 'g': for the rest of the archive
  #pax = new Map<string, string>(); // pax 'x': for the next entry
  #longName: string | null = null; // GNU 'L': for the next entry

  /** Bytes consumed so far. */
  get position(): number {
    return this.#pos;
  }

  feed(chunk: Uint8Array): TarEvent[] {
    const out: TarEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.#mode === "lost") {
        this.#pos += chunk.length - i;
        break;
      }
      if (this.#mode === "body") {
        const n = Math.min(this.#left + this.#pad, chunk.length - i);
        const take = Math.min(this.#left, n);
        if (take > 0) {
          const bytes = chunk.subarray(i, i + take);
          if (this.#sink === "data") out.push({ type: "data", bytes });
          else if (this.#sink === "meta") this.#meta.push(bytes.slice());
          this.#left -= take;
        }
        this.#pad -= n - take;
        i += n;
        this.#pos += n;
        if (this.#left === 0 && this.#pad === 0) this.#endBody(out);
        continue;
      }
      const n = Math.min(BLOCK - this.#blockLen, chunk.length - i);
      this.#block.set(chunk.subarray(i, i + n), this.#blockLen);
      this.#blockLen += n;
      i += n;
      this.#pos += n;
      if (this.#blockLen === BLOCK) {
        this.#blockLen = 0;
        this.#onBlock(this.#block, out);
      }
    }
    return out;
  }

  /** End of file (no writer has the pipe open): an archive in progress was cut short. */
  end(): TarEvent[] {
    const out: TarEvent[] = [];
    const partialHeader = this.#block.subarray(0, this.#blockLen).some((b) => b !== 0);
    if (this.#mode === "idle" && partialHeader) {
      this.#archive++;
      this.#archiveStart = this.#pos - this.#blockLen;
    }
    if ((this.#mode === "header" || this.#mode === "body" || partialHeader) && this.#mode !== "lost" && !this.#rejected) {
      out.push({
        type: "truncated", archive: this.#archive,
        reason: `cut short after ${this.#pos - this.#archiveStart} bytes: end of file before the end-of-archive marker (two zero blocks)`,
      });
    }
    this.#blockLen = 0;
    this.#mode = "idle";
    this.#resetArchive();
    return out;
  }

  #resetArchive(): void {
    this.#zeros = 0;
    this.#rejected = false;
    this.#entryOpen = false;
    this.#sink = "skip";
    this.#global = new Map();
    this.#pax = new Map();
    this.#longName = null;
    this.#meta = [];
  }

  #reject(out: TarEvent[], reason: string): void {
    if (this.#rejected) return;
    this.#rejected = true;
    out.push({ type: "rejected", archive: this.#archive, reason });
  }

  /** The header is unusable: its sizes cannot be trusted, so neither can anything after it. */
  #lose(out: TarEvent[], reason: string): void {
    this.#reject(out, `${reason}; the stream cannot be framed past it, so calf skips to the end of file`);
    this.#mode = "lost";
  }

  #onBlock(b: Uint8Array, out: TarEvent[]): void {
    if (isZeroBlock(b)) {
      if (this.#mode === "idle") return; // padding between archives
      if (++this.#zeros < 2) return; // a lone zero block: the end marker is two
      if (!this.#rejected) out.push({ type: "archiveEnd", archive: this.#archive });
      this.#mode = "idle";
      this.#resetArchive();
      return;
    }
    if (this.#mode === "idle") {
      this.#archive++;
      this.#archiveStart = this.#pos - BLOCK;
      this.#mode = "header";
    }
    this.#zeros = 0;
    const at = this.#pos - BLOCK - this.#archiveStart; // offset in the archive, for messages
    if (!checksumOk(b)) return this.#lose(out, `bad header checksum at offset ${at}: not a tar header`);
    const type = String.fromCharCode(b[156]!);
    const headerSize = parseNumber(b, 124, 12);
    if (headerSize === null) return this.#lose(out, `header at offset ${at} has an invalid size field`);
    if (type === "x" || type === "g" || type === "L" || type === "K") {
      this.#startBody(headerSize, "meta");
      this.#metaType = type;
      if (headerSize > META_MAX) {
        this.#reject(out, `${type === "L" || type === "K" ? "GNU long name" : "pax"} header at offset ${at} is ${headerSize} bytes (at most ${META_MAX})`);
        this.#sink = "skip";
      }
      if (this.#left === 0) this.#endBody(out);
      return;
    }
    // An entry: the extended headers before it apply to it, then end.
    const pax = new Map([...this.#global, ...this.#pax]);
    const longName = this.#longName;
    this.#pax = new Map();
    this.#longName = null;
    let size = headerSize;
    const paxSize = pax.get("size");
    if (paxSize !== undefined) {
      if (!/^\d{1,16}$/.test(paxSize) || Number(paxSize) > Number.MAX_SAFE_INTEGER) {
        return this.#lose(out, `pax size ${JSON.stringify(paxSize)} of the entry at offset ${at} is not a byte count`);
      }
      size = Number(paxSize);
    }
    const t = entryType(type);
    this.#startBody(t.hasData ? size : 0, "skip");
    if (!this.#rejected) this.#openEntry(b, t, size, pax, longName, at, out);
    if (this.#left === 0 && this.#pad === 0) this.#endBody(out);
  }

  #openEntry(b: Uint8Array, t: ReturnType<typeof entryType>, size: number, pax: Map<string, string>, longName: string | null, at: number, out: TarEvent[]): void {
    let raw = pax.get("path") ?? longName;
    if (raw === null) {
      const bytes = nameField(b);
      raw = decodeUtf8(bytes);
      if (raw === null) return this.#reject(out, `entry ${quoteBytes(bytes)} at offset ${at}: the name is not valid UTF-8`);
    }
    const entry = `entry ${JSON.stringify(raw)} at offset ${at}`;
    if (t.kind === "other") return this.#reject(out, `${entry} is ${t.what}; spouts accept only files and directories`);
    if ([...pax.keys()].some((k) => k.startsWith("GNU.sparse."))) {
      return this.#reject(out, `${entry} is a sparse file; spouts accept only plain files and directories`);
    }
    const name = checkEntryName(raw);
    if ("reason" in name) return this.#reject(out, `${entry}: ${name.reason}`);
    // Old tars mark a directory with a trailing slash on a regular-file header.
    const kind: EntryKind = t.kind === "dir" || name.dir ? "dir" : "file";
    if (kind === "file" && name.path === "/") return this.#reject(out, `${entry} names no file`);
    const mode = (parseNumber(b, 100, 8) ?? 0) & 0o7777;
    out.push({ type: "entry", path: name.path, kind, size: kind === "file" ? size : 0, mode });
    this.#entryOpen = true;
    if (kind === "file") this.#sink = "data";
  }

  #startBody(size: number, sink: Sink): void {
    this.#mode = "body";
    this.#left = size;
    this.#pad = (BLOCK - (size % BLOCK)) % BLOCK;
    this.#sink = sink;
    this.#meta = [];
  }

  #endBody(out: TarEvent[]): void {
    this.#mode = "header";
    if (this.#sink === "meta") this.#onMeta(out);
    if (this.#entryOpen) out.push({ type: "entryEnd" });
    this.#entryOpen = false;
    this.#sink = "skip";
  }

  #onMeta(out: TarEvent[]): void {
    const body = concat(this.#meta);
    this.#meta = [];
    if (this.#metaType === "L") {
      const text = decodeUtf8(stripNuls(body));
      if (text === null) return this.#reject(out, `GNU long name ${quoteBytes(body)} is not valid UTF-8`);
      this.#longName = text;
    } else if (this.#metaType === "x" || this.#metaType === "g") {
      const recs = parsePax(body);
      if ("reason" in recs) return this.#reject(out, `pax header: ${recs.reason}`);
      const into = this.#metaType === "g" ? this.#global : this.#pax;
      // An empty value deletes the keyword (POSIX pax, "extended header keyword deletion").
      for (const [k, v] of recs.records) v === "" ? into.delete(k) : into.set(k, v);
    }
    // 'K' (GNU long link name) only matters to links, which are refused anyway.
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
