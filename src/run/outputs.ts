// Collects what a datum attempt wrote into /pfs/out: regular files move into
// the object store (no copy); a symlink is stored as the bytes it points to
// when that is a regular file inside /pfs; any other entry fails the datum.
import * as fs from "node:fs";
import * as path from "node:path";
import type { ObjectStore } from "../store/objects.ts";

export interface OutputFile {
  path: string;
  hash: string;
  size: number;
}

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
  const visit = async (dir: string, rel: string) => {
    // Sync: a datum's /pfs/out is small, and a thread-pool hop costs more than the syscall.
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const host = path.join(dir, d.name);
      const p = `${rel}/${d.name}`;
      if (d.isDirectory()) await visit(host, p);
      else if (d.isFile()) out.push({ path: p, ...(await store.adoptFile(host)) });
      else if (d.isSymbolicLink()) {
        const raw = fs.readlinkSync(host);
        const target = hostPfsRoot && (raw === hostPfsRoot || raw.startsWith(hostPfsRoot + "/")) ? "/pfs" + raw.slice(hostPfsRoot.length) : raw;
        const abs = path.posix.resolve(path.posix.dirname(`/pfs/out${p}`), target);
        const src = abs.startsWith("/pfs/out/") ? path.join(outDir, abs.slice("/pfs/out".length)) : resolve(abs);
        const st = src ? fs.statSync(src, { throwIfNoEntry: false }) : undefined;
        if (!src || !st?.isFile() || fs.lstatSync(src).isSymbolicLink()) {
          throw new OutputError(`output "${p}" is a symlink to "${raw}", which is not a regular file inside /pfs`);
        }
        out.push({ path: p, ...(await store.putFile(src)) });
        fs.unlinkSync(host); // leave /pfs/out empty, as adoptFile does for regular files
      } else throw new OutputError(`output "${p}" is not a regular file (devices, FIFOs and sockets are not outputs)`);
    }
  };
  await visit(outDir, "");
  return out;
}
