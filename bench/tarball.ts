// Writes plain ustar archives (regular files only) for the spout benchmark.
// Every file gets its own random bytes, so a content-addressed store cannot
// save work by deduplicating them.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const BLOCK = 512;
const RECORD = 10 * 1024;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

export function ustarHeader(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name "${name}" is longer than 100 bytes`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, "utf8");
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(Math.floor(Date.now() / 1000), 12), 136);
  h.write("        ", 148); // checksum is computed with this field as spaces
  h.write("0", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148);
  return h;
}

export interface ArchiveSet {
  dir: string;
  archives: number;
  filesPerArchive: number;
  fileBytes: number;
  /** Total bytes of file content (the payload whose throughput is reported). */
  payload: number;
  /** One sample file's name and content, to check the ingested bytes. */
  sample: { name: string; bytes: Buffer };
}

export function entryName(archive: number, file: number): string {
  return `a${String(archive).padStart(3, "0")}-f${String(file).padStart(2, "0")}.bin`;
}

/** `archives` files a000.tar..., each holding `filesPerArchive` files of `fileBytes` random bytes. */
export function makeArchives(dir: string, archives: number, filesPerArchive: number, fileBytes: number): ArchiveSet {
  fs.mkdirSync(dir, { recursive: true });
  let sample: ArchiveSet["sample"] | null = null;
  for (let a = 0; a < archives; a++) {
    const fd = fs.openSync(path.join(dir, `a${String(a).padStart(3, "0")}.tar`), "w");
    let written = 0;
    const put = (b: Buffer) => {
      fs.writeSync(fd, b);
      written += b.length;
    };
    for (let f = 0; f < filesPerArchive; f++) {
      const bytes = randomBytes(fileBytes);
      if (!sample && a === archives - 1 && f === filesPerArchive - 1) sample = { name: entryName(a, f), bytes };
      put(ustarHeader(entryName(a, f), fileBytes));
      put(bytes);
      const pad = (BLOCK - (fileBytes % BLOCK)) % BLOCK;
      if (pad) put(Buffer.alloc(pad));
    }
    put(Buffer.alloc(2 * BLOCK));
    const rest = (RECORD - (written % RECORD)) % RECORD;
    if (rest) put(Buffer.alloc(rest));
    fs.closeSync(fd);
  }
  return { dir, archives, filesPerArchive, fileBytes, payload: archives * filesPerArchive * fileBytes, sample: sample! };
}
