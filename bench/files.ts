// Input files for the workloads and the digests that check every tool wrote
// the same bytes: a tree digest over (path, size, content) of each file, and
// the digest `tr a-z A-Z` must give for an input folder, computed in process.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango".split(" ");

/** Deterministic, so every run of the suite feeds the tools the same bytes. */
export function inputContent(i: number): string {
  let x = (i * 2654435761) >>> 0;
  const words: string[] = [];
  const count = 8 + (i % 17);
  for (let k = 0; k < count; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    words.push(WORDS[x % WORDS.length]!);
  }
  return `file ${i}: ${words.join(" ")}\n`;
}

export function inputName(i: number, n: number): string {
  return `f${String(i).padStart(String(n - 1).length, "0")}.txt`;
}

/** Writes n small lowercase text files into dir (created; must not exist). */
export function makeInputs(dir: string, n: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, inputName(i, n)), inputContent(i));
}

/** `tr a-z A-Z` in the C locale. */
export function upper(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  for (let i = 0; i < out.length; i++) {
    const c = out[i]!;
    if (c >= 0x61 && c <= 0x7a) out[i] = c - 0x20;
  }
  return out;
}

/** Regular files under dir, as sorted relative paths (byte order). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
      else throw new Error(`unexpected non-regular file "${p}" in ${dir}`);
    }
  };
  walk("");
  return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function digest(entries: Iterable<[string, Buffer]>): { hash: string; files: number } {
  const h = createHash("sha256");
  let files = 0;
  for (const [rel, bytes] of entries) {
    h.update(`${rel}\0${bytes.length}\0`);
    h.update(bytes);
    files++;
  }
  return { hash: h.digest("hex"), files };
}

/** Digest of every file under dir. */
export function treeDigest(dir: string): { hash: string; files: number } {
  return digest(
    (function* () {
      for (const rel of listFiles(dir)) yield [rel, fs.readFileSync(path.join(dir, rel))] as [string, Buffer];
    })(),
  );
}

/** The digest a correct `tr a-z A-Z` of every file in inDir gives. */
export function expectedDigest(inDir: string): { hash: string; files: number } {
  return digest(
    (function* () {
      for (const rel of listFiles(inDir)) yield [rel, upper(fs.readFileSync(path.join(inDir, rel)))] as [string, Buffer];
    })(),
  );
}

/** Writes the expected outputs directly (to give make a finished state without running it). */
export function writeExpected(inDir: string, outDir: string): void {
  fs.mkdirSync(outDir, { recursive: true });
  for (const rel of listFiles(inDir)) fs.writeFileSync(path.join(outDir, rel), upper(fs.readFileSync(path.join(inDir, rel))));
}

export function freshDir(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
