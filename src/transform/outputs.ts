// Collects what a datum attempt wrote into /pfs/out: regular files move into
// the object store (no copy; a file with other hard links is copied); a
// symlink is stored as the bytes it points to when that is, after resolving
// every link on the way, a regular file inside /pfs/out or one of the datum's
// inputs; any other entry fails the datum. Never reads a host path a link
// chain leads to outside those.
//
// A batched transform (`live`) is still running while its outputs are
// collected, and may swap a folder of /pfs/out for a link to a host folder
// calf can reach and it cannot (calf's data dir) at any moment. So folders
// are walked by descriptor (each opened O_NOFOLLOW, its entries named through
// /proc/self/fd/N: an openat), never by a path it can redirect; and a live
// transform's files are copied from a descriptor opened O_NOFOLLOW, not
// moved (it may still hold them open and write on after they are hashed).
import * as fs from "node:fs";
import * as path from "node:path";
import { fdPath, NOFOLLOW_FILE, putOpened } from "../store/opened.ts";
import type { ObjectStore } from "../store/types.ts";

export type { OutputFile } from "../merge/merge.ts";
import type { OutputFile } from "../merge/merge.ts";

export class OutputError extends Error {}

/**
 * `outDir` is the host folder seen as /pfs/out; `resolve` maps a sandbox
 * path under /pfs to a host path (or null when it is outside the datum).
 */
export async function collectOutputs(
  store: ObjectStore,
  outDir: string,
  resolve: (sandboxPath: string) => string | null,
  /** Without a sandbox, the host folder that stands for /pfs (links may name it). */
  hostPfsRoot?: string,
  /** The transform may still be running (datum batching): copy, never move. */
  opts: { live?: boolean } = {},
): Promise<OutputFile[]> {
  const out: OutputFile[] = [];
  let realOut: string | undefined; // only a symlink needs it (a realpath per datum showed in profiles)
  const visit = async (dirFd: number, rel: string) => {
    const at = `/proc/self/fd/${dirFd}`;
    // Sync: a datum's /pfs/out is small, and a thread-pool hop costs more than the syscall.
    for (const d of fs.readdirSync(at, { withFileTypes: true })) {
      const host = `${at}/${d.name}`;
      const p = `${rel}/${d.name}`;
      if (d.isDirectory()) {
        const fd = openEntry(host, DIR, p);
        try {
          await visit(fd, p);
        } finally {
          fs.closeSync(fd);
        }
      } else if (d.isFile()) {
        if (!opts.live) out.push({ path: p, ...(await store.putFile(host, { move: true })) });
        else out.push({ path: p, ...(await putOpened(store, openEntry(host, NOFOLLOW_FILE, p), () => changedOutput(p))) });
      } else if (d.isSymbolicLink()) {
        const raw = fs.readlinkSync(host);
        const target = hostPfsRoot && (raw === hostPfsRoot || raw.startsWith(hostPfsRoot + "/")) ? "/pfs" + raw.slice(hostPfsRoot.length) : raw;
        const abs = path.posix.resolve(path.posix.dirname(`/pfs/out${p}`), target);
        const inOut = abs.startsWith("/pfs/out/");
        const src = inOut ? path.join(outDir, abs.slice("/pfs/out".length)) : resolve(abs);
        // (`outDir`, not the folder being walked: a link names paths as the transform sees them.)
        // Inside /pfs/out every link on the way is resolved and must stay inside; an input only as the file calf put there.
        const real = !src ? null : inOut ? realOrNull(src) : fs.lstatSync(src, { throwIfNoEntry: false })?.isFile() ? src : null;
        realOut ??= fs.realpathSync(outDir);
        const allowed = real !== null && (!inOut || real.startsWith(realOut + "/"));
        if (!allowed || !fs.lstatSync(real!).isFile()) {
          throw new OutputError(`output "${p}" is a symlink to "${raw}", which is not a regular file inside /pfs`);
        }
        // Inside /pfs/out the real path is checked again on the descriptor read: a folder on the way may be a link by now.
        const fd = openEntry(real!, NOFOLLOW_FILE, p);
        if (inOut && !fdPath(fd).startsWith(realOut + "/")) {
          fs.closeSync(fd);
          throw changedOutput(p);
        }
        out.push({ path: p, ...(await putOpened(store, fd, () => changedOutput(p))) });
        fs.unlinkSync(host); // leave /pfs/out empty, as adoptFile does for regular files
      } else throw new OutputError(`output "${p}" is not a regular file (devices, FIFOs and sockets are not outputs)`);
    }
  };
  const top = openEntry(outDir, DIR, "/");
  try {
    await visit(top, "");
  } finally {
    fs.closeSync(top);
  }
  return out;
}

const DIR = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;

/** Opens an entry without following a link in its last place (a folder and a file swapped for links are refused). */
function openEntry(host: string, flags: number, p: string): number {
  try {
    return fs.openSync(host, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "ENOTDIR" || code === "ENOENT") throw changedOutput(p);
    throw err;
  }
}

const changedOutput = (p: string) => new OutputError(`output "${p}" changed while calf was collecting it`);

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}
