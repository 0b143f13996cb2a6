// Test helper: tar archives built three ways — tar-stream's pack (ustar/pax),
// the system's GNU tar (gnu/pax/ustar formats, long names), and raw header
// blocks for what no tool writes (bad checksums, base-256 sizes, bad UTF-8).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pack, type Header } from "tar-stream";
import { tempDir, removeDir } from "../helpers/tmp.ts";

export type PackEntry = Partial<Header> & { name: string; body?: string | Uint8Array };

/** An archive from tar-stream (its finalize() writes the two zero blocks, no record padding). */
export async function packTar(entries: PackEntry[]): Promise<Uint8Array> {
  const p = pack();
  const done = (async () => {
    const parts: Uint8Array[] = [];
    for await (const c of p) parts.push(c as Uint8Array);
    return Buffer.concat(parts);
  })();
  for (const { body, ...h } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body === undefined) p.entry(h, cb); // header-only entries (folders, links) end by themselves
      else p.entry(h, Buffer.from(body), cb);
    });
  }
  p.finalize();
  return new Uint8Array(await done);
}

/** `tar -c ARGS... NAMES` over `files` (relative path -> content) in a temp folder; stdout bytes. */
export function gnuTar(files: Record<string, string>, names: string[], args: string[] = []): Uint8Array {
  const dir = tempDir("calf-tar-");
  try {
    for (const [rel, content] of Object.entries(files)) {
      const p = path.join(dir, rel);
      if (rel.endsWith("/")) fs.mkdirSync(p, { recursive: true });
      else {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, content);
      }
    }
    const r = spawnSync("tar", ["-c", "-f", "-", "--owner=0", "--group=0", "--mtime=@0", ...args, ...names], { cwd: dir, maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    return new Uint8Array(r.stdout);
  } finally {
    removeDir(dir);
  }
}

export interface RawHeader {
  name?: string | Uint8Array;
  type?: string;
  size?: number;
  /** Write the size in GNU base-256 instead of octal. */
  base256?: boolean;
  prefix?: string;
  magic?: "posix" | "gnu" | "v7";
  /** Break the checksum. */
  badChecksum?: boolean;
}

/** One 512-byte header block. */
export function rawHeader(h: RawHeader): Uint8Array {
  const b = new Uint8Array(512);
  const enc = new TextEncoder();
  const put = (off: number, v: string | Uint8Array) => b.set(typeof v === "string" ? enc.encode(v) : v, off);
  put(0, h.name ?? "file");
  put(100, "0000644\0");
  put(108, "0000000\0");
  put(116, "0000000\0");
  const size = h.size ?? 0;
  if (h.base256) {
    b[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      b[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else put(124, size.toString(8).padStart(11, "0") + "\0");
  put(136, "00000000000\0");
  put(156, h.type ?? "0");
  const magic = h.magic ?? "posix";
  if (magic === "posix") put(257, "ustar\u000000");
  else if (magic === "gnu") put(257, "ustar  \0");
  if (h.prefix) put(345, h.prefix);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  if (h.badChecksum) sum += 1;
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return b;
}

/** `n` zero bytes. */
export const zeros = (n: number) => new Uint8Array(n);

/** Body bytes padded to whole blocks. */
export function body(content: string | Uint8Array): Uint8Array {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const out = new Uint8Array(Math.ceil(bytes.length / 512) * 512);
  out.set(bytes);
  return out;
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A pax 'x' or 'g' header with its records. */
export function paxHeader(records: Record<string, string | Uint8Array>, type: "x" | "g" = "x"): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [k, v] of Object.entries(records)) {
    const kv = cat(new TextEncoder().encode(` ${k}=`), typeof v === "string" ? new TextEncoder().encode(v) : v, Uint8Array.of(0x0a));
    let len = kv.length + 1;
    while (String(len).length + kv.length !== len) len = String(len).length + kv.length;
    parts.push(cat(new TextEncoder().encode(String(len)), kv));
  }
  const rec = cat(...parts);
  return cat(rawHeader({ name: "PaxHeader", type, size: rec.length }), body(rec));
}
