// Test helper: a small filesystem to fill (a tmpfs with a size limit, mounted
// on a folder of the test's own), for disk-full tests. Needs root and a kernel
// that lets this process mount; elsewhere `smallFsWhyNot` says why not.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { removeDir, tempDir } from "./tmp.ts";

export interface SmallFs {
  /** The mounted folder. */
  dir: string;
  /** Writes a file of zeros that leaves about `leave` bytes free. */
  fill(leave: number): void;
  /** Removes the filler: the space comes back. */
  unfill(): void;
  free(): number;
  /** Unmounts and removes the folder. */
  close(): void;
}

export function mountSmallFs(bytes: number): SmallFs {
  const parent = tempDir("calf-smallfs-");
  const dir = path.join(parent, "fs");
  fs.mkdirSync(dir);
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0755`, "tmpfs", dir], { encoding: "utf8" });
  if (r.status !== 0) {
    removeDir(parent);
    throw new Error(`mount -t tmpfs failed: ${r.stderr.trim()}`);
  }
  const filler = path.join(dir, "filler");
  const free = () => {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    free,
    fill(leave) {
      const fd = fs.openSync(filler, "a");
      try {
        const zeros = Buffer.alloc(64 << 10);
        for (let want = free() - leave; want > 0; want -= zeros.length) fs.writeSync(fd, zeros, 0, Math.min(zeros.length, want));
      } finally {
        fs.closeSync(fd);
      }
    },
    unfill: () => fs.rmSync(filler, { force: true }),
    close() {
      spawnSync("umount", ["-l", dir]);
      removeDir(parent);
    },
  };
}

/** Why a small filesystem cannot be mounted here (not root, no mount permission), or null when it can. */
export const smallFsWhyNot: string | null = (() => {
  if (process.getuid?.() !== 0) return "needs root to mount a size-limited tmpfs";
  try {
    mountSmallFs(1 << 20).close();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
})();
