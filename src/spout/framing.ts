// Incremental tar framing for spouts (SPEC §5): bytes in, events out. Finds
// where each archive ends (two zero blocks), checks headers and entry names,
// and passes file data through as views of the input: an archive is never
// held in memory. Pure: no I/O, no clock. Formats: ustar, GNU, pax. After a
// damaged header it resynchronises at the next valid header with the "ustar"
// magic, at any byte offset (README "Spouts": what that can cost).
import { checksumOk, concat, decodeUtf8, findHeader, entryType, isZeroBlock, nameField, parseNumber, quoteBytes, stripNuls } from "./header.ts";
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
  | "scan"; // a header was unusable: looking, byte by byte, for a valid header with the ustar magic

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
  #scanTail: Uint8Array = new Uint8Array(0); // while scanning: the last bytes, not yet checkable as a header start

  /** Bytes consumed so far. */
  get position(): number {
    return this.#pos;
  }

  feed(chunk: Uint8Array): TarEvent[] {
    const out: TarEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.#mode === "scan") {
        i = this.#scan(chunk, i, out);
        continue;
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
    if ((this.#mode === "header" || this.#mode === "body" || partialHeader) && !this.#rejected) {
      out.push({
        type: "truncated", archive: this.#archive,
        reason: `cut short after ${this.#pos - this.#archiveStart} bytes: end of file before the end-of-archive marker (two zero blocks)`,
      });
    }
    this.#blockLen = 0;
    this.#mode = "idle";
    this.#scanTail = new Uint8Array(0);
    this.#resetArchive();
    return out;
  }

  /**
   * Looks for a valid header from `chunk[i]` on (with the bytes kept from
   * earlier chunks): one with the "ustar" magic that passes its checksum, at
   * any offset, since a writer that died mid-archive and a new one that began
   * at once leave the next archive where blocks of the old one do not line up.
   * Framing resumes there, inside the rejected archive. Returns where to go on.
   */
  #scan(chunk: Uint8Array, i: number, out: TarEvent[]): number {
    const tail = this.#scanTail;
    const rest = chunk.subarray(i);
    const buf = tail.length ? concat([tail, rest]) : rest;
    const start = findHeader(buf);
    if (start >= 0) {
      const block = buf.subarray(start, start + BLOCK);
      const used = start + BLOCK - tail.length; // bytes of `rest` up to the end of the header
      this.#pos += used;
      this.#scanTail = new Uint8Array(0);
      this.#mode = "header"; // still the rejected archive: its entries are not passed on
      this.#onBlock(block.slice(), out);
      return i + used;
    }
    // Keep what could still begin a header (its 512 bytes are not all here yet).
    this.#scanTail = buf.slice(Math.max(0, buf.length - (BLOCK - 1)));
    this.#pos += rest.length;
    return chunk.length;
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

  /**
   * The header is unusable, so where its entry ends is unknown: the archive is
   * discarded and framing resumes at the next valid header (#scan), still as
   * part of this rejected archive, which ends at the next end marker found
   * where a header belongs. Zero blocks met while scanning do not end it: they
   * may be file data, and ending early would make the rest of this archive
   * look like an archive of its own.
   */
  #lose(out: TarEvent[], reason: string, block: Uint8Array): void {
    this.#reject(out, `${reason}; the archive is discarded, and calf resumes at the next valid tar header`);
    this.#mode = "scan";
    // The next header may begin inside this very block (the old archive's blocks need not line up with it).
    this.#scanTail = block.slice(1);
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
    if (!checksumOk(b)) return this.#lose(out, `bad header checksum at offset ${at}: not a tar header`, b);
    const type = String.fromCharCode(b[156]!);
    const headerSize = parseNumber(b, 124, 12);
    if (headerSize === null) return this.#lose(out, `header at offset ${at} has an invalid size field`, b);
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
        return this.#lose(out, `pax size ${JSON.stringify(paxSize)} of the entry at offset ${at} is not a byte count`, b);
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

