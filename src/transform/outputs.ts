// Collects what a datum attempt wrote into /pfs/out: regular files move into
// the object store (no copy; a file with other hard links is copied); a
// symlink is stored as the bytes it points to when that is, after resolving
// every link on the way, a regular file inside /pfs/out or one of the datum's
// inputs; any other entry fails the datum. Never reads a host path a link
// chain leads to outside those.
import * as fs from "node:fs";
import * as path from "node:path";
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
): Promise<OutputFile[]> {
  const out: OutputFile[] = [];
  let realOut: string | undefined; // only a symlink needs it (a realpath per datum showed in profiles)
  const visit = async (dir: string, rel: string) => {
    // Sync: a datum's /pfs/out is small, and a thread-pool hop costs more than the syscall.
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const host = path.join(dir, d.name);
      const p = `${rel}/${d.name}`;
      if (d.isDirectory()) await visit(host, p);
      else if (d.isFile()) out.push({ path: p, ...(await store.putFile(host, { move: true })) });
      else if (d.isSymbolicLink()) {
        const raw = fs.readlinkSync(host);
        const target = hostPfsRoot && (raw === hostPfsRoot || raw.startsWith(hostPfsRoot + "/")) ? "/pfs" + raw.slice(hostPfsRoot.length) : raw;
        const abs = path.posix.resolve(path.posix.dirname(`/pfs/out${p}`), target);
        const inOut = abs.startsWith("/pfs/out/");
        const src = inOut ? path.join(outDir, abs.slice("/pfs/out".length)) : resolve(abs);
        // Inside /pfs/out every link on the way is resolved and must stay inside; an input only as the file calf put there.
        const real = !src ? null : inOut ? realOrNull(src) : fs.lstatSync(src, { throwIfNoEntry: false })?.isFile() ? src : null;
        realOut ??= fs.realpathSync(outDir);
        const allowed = real !== null && (!inOut || real.startsWith(realOut + "/"));
        if (!allowed || !fs.lstatSync(real!).isFile()) {
          throw new OutputError(`output "${p}" is a symlink to "${raw}", which is not a regular file inside /pfs`);
        }
        out.push({ path: p, ...(await store.putFile(real!)) });
        fs.unlinkSync(host); // leave /pfs/out empty, as adoptFile does for regular files
      } else throw new OutputError(`output "${p}" is not a regular file (devices, FIFOs and sockets are not outputs)`);
    }
  };
  await visit(outDir, "");
  return out;
}

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}
