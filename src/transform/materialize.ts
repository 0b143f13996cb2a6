// Puts a datum's input files where its transform will see them under /pfs
// (SPEC §4.6: never a hardlink into the store, which a transform could write
// through). Copies (reflinks where the filesystem can), mode 0444, into the
// slot's folder, which a slot sandbox mounts read-only at /pfs; or read-only
// bind mounts of the objects themselves (a spout's sandbox, and a datum too
// big to copy cheaply, which then gets a sandbox of its own).
import * as fs from "node:fs";
import * as path from "node:path";
import type { DatumInput } from "../plan/types.ts";
import type { ObjectStore } from "../store/types.ts";
import type { NodeLoader } from "../repo/tree.ts";
import { walk } from "../repo/tree.ts";
import type { InputRecycler } from "./recycle.ts";
import type { Bind } from "./sandbox.ts";

/** Directory datums with more files than this are copied rather than bound file by file. */
const MAX_FILE_BINDS = 2000;

export interface Materialized {
  /** How the inputs were put in place (binds need a store that keeps local files). */
  mode: "copy" | "binds";
  /** bwrap binds (sandbox mode). */
  binds: Bind[];
  /** Sandbox path -> host path, for resolving symlinks written into /pfs/out. */
  files: Map<string, string>;
  /** What materialising created on the host: files, then folders deepest first (top-level input folders excluded: see keepTopLevel). */
  created: { files: string[]; dirs: string[] };
}

interface FileItem {
  /** Path under /pfs, e.g. /images/cat.png */
  rel: string;
  hash: string;
}

async function filesOf(loader: NodeLoader, inputs: DatumInput[]): Promise<FileItem[]> {
  const items: FileItem[] = [];
  for (const i of inputs) {
    const base = i.path === "/" ? `/${i.name}` : `/${i.name}${i.path}`;
    if (i.type === "file") items.push({ rel: base, hash: i.hash });
    else {
      for (const e of await walk(loader, i.hash, i.size, { recursive: true, includeSelf: false, base: "/" })) {
        if (e.type === "file") items.push({ rel: `${base}${e.path}`, hash: e.hash });
      }
    }
  }
  return items;
}

/**
 * Copies objects under `root`, mode 0444: from the store's local file where
 * it keeps one (a copy keeps the object's mode), else from its bytes.
 */
async function copyInto(
  store: ObjectStore, items: FileItem[], root: string, emptyFiles: Set<string>, empty: string, created: Materialized["created"], recycler?: InputRecycler,
): Promise<void> {
  const made = new Set<string>();
  for (const it of items) {
    const dest = path.join(root, it.rel);
    for (let dir = path.dirname(dest); dir.length > root.length && !made.has(dir); dir = path.dirname(dir)) made.add(dir);
    const src = emptyFiles.has(it.rel.split("/")[1]!) ? empty : store.localPath(it.hash);
    // Over a recycled spare (same inode, new bytes), else a new file; always 0444 in the end.
    const place = async () => {
      const reused = recycler?.place(dest) ?? false;
      if (src) copy(src, dest);
      else await writeStream(dest, store.stream(it.hash));
      if (reused && !src) fs.chmodSync(dest, 0o444); // copyFileSync gives the copy the object's mode itself
    };
    try {
      await place();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      fs.mkdirSync(path.dirname(dest), { recursive: true }); // first file of its folder
      await place();
    }
    created.files.push(dest);
  }
  // Top-level input folders (root/<name>) stay for the slot's next datum: see keepTopLevel().
  const tops = new Set([...made].filter((d) => path.dirname(d) === root));
  created.dirs.push(...[...made].filter((d) => !tops.has(d)).sort((a, b) => b.length - a.length));
}

/** Writes an object from a store with no local files (S3, serve) chunk by chunk: a big input is never held whole. */
async function writeStream(dest: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const fd = fs.openSync(dest, "w", 0o444);
  try {
    for await (const chunk of chunks) {
      for (let off = 0; off < chunk.byteLength;) off += fs.writeSync(fd, chunk, off);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A reflink where the filesystem has them (btrfs, XFS), else a copy: a new inode either way. */
function copy(src: string, dest: string): void {
  fs.copyFileSync(src, dest, fs.constants.COPYFILE_FICLONE);
}

/**
 * Removes the slot's top-level input folders that the next datum does not
 * use (an input a datum lacks must not exist under /pfs); the others are
 * kept, saving a rmdir and a mkdir per datum (ext4 metadata operations that
 * wait on the journal while other datums fsync).
 */
export function keepTopLevel(pfsDir: string, names: Set<string>): void {
  for (const d of fs.readdirSync(pfsDir)) {
    if (d === "out" || names.has(d)) continue;
    fs.rmSync(path.join(pfsDir, d), { recursive: true, force: true });
  }
}

/** Removes what materialize created (exact unlinks: far cheaper than a recursive rm); files go to `recycler` when given. */
export function cleanUp(created: Materialized["created"], recycler?: InputRecycler): void {
  for (const f of created.files) {
    if (recycler) recycler.give(f);
    else fs.rmSync(f, { force: true });
  }
  for (const d of created.dirs) {
    try {
      fs.rmdirSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY") fs.rmSync(d, { recursive: true, force: true });
      else if (code !== "ENOENT") throw err;
    }
  }
}

/**
 * Copies the datum's inputs under `pfsDir` (`copy`), or prepares read-only
 * binds of the objects (`binds`; a datum of more than MAX_FILE_BINDS files is
 * copied under `scratch` and its top folders bound instead; a store with no
 * local files makes it a copy). `scratch` is a
 * private folder for such copies and the empty file of `empty_files` inputs.
 */
export async function materialize(opts: {
  store: ObjectStore;
  loader: NodeLoader;
  inputs: DatumInput[];
  mode: "copy" | "binds";
  pfsDir: string;
  scratch: string;
  /** The slot's spare copies to write over (recycle.ts). */
  recycler?: InputRecycler;
}): Promise<Materialized> {
  const items = await filesOf(opts.loader, opts.inputs);
  const emptyNames = new Set(opts.inputs.filter((i) => i.emptyFiles).map((i) => i.name));
  const empty = path.join(opts.scratch, ".empty");
  if (emptyNames.size) fs.writeFileSync(empty, "");
  const files = new Map<string, string>();
  const created: Materialized["created"] = { files: [], dirs: [] };
  const local = items.map((it) => (emptyNames.has(it.rel.split("/")[1]!) ? empty : opts.store.localPath(it.hash)));
  if (opts.mode === "copy" || local.some((l) => l === null)) {
    await copyInto(opts.store, items, opts.pfsDir, emptyNames, empty, created, opts.recycler);
    for (const it of items) files.set(`/pfs${it.rel}`, path.join(opts.pfsDir, it.rel));
    return { mode: "copy", binds: [], files, created };
  }
  if (items.length > MAX_FILE_BINDS) {
    const copy = path.join(opts.scratch, "in");
    await copyInto(opts.store, items, copy, emptyNames, empty, created);
    created.dirs.push(copy);
    const tops = new Set(items.map((it) => it.rel.split("/")[1]!));
    for (const it of items) files.set(`/pfs${it.rel}`, path.join(copy, it.rel));
    return { mode: "binds", binds: [...tops].map((t) => ({ src: path.join(copy, t), dest: `/pfs/${t}` })), files, created };
  }
  // bwrap creates each bind's parent folders inside its own /pfs tmpfs.
  const binds: Bind[] = items.map((it, i) => ({ src: local[i]!, dest: `/pfs${it.rel}` }));
  for (const b of binds) files.set(b.dest, b.src);
  return { mode: "binds", binds, files, created };
}

/** Input bytes above which a sandboxed datum gets read-only binds (a sandbox of its own, ~5 ms) rather than copies. */
export const BIND_ABOVE_BYTES = 16 << 20;

/** How to put a datum's inputs in place: copies, unless it is big enough that a sandbox of its own costs less. */
export function materializeMode(inputs: DatumInput[], sandboxed: boolean): "copy" | "binds" {
  if (!sandboxed) return "copy";
  const bytes = inputs.reduce((n, i) => n + (i.emptyFiles ? 0 : i.size), 0);
  return bytes > BIND_ABOVE_BYTES ? "binds" : "copy";
}
