// bubblewrap argv for one datum attempt (SPEC §4.6): the host's top-level
// folders read-only, private /tmp, /pfs holding exactly the datum's inputs
// (read-only binds) and a writable /pfs/out, a PID namespace so nothing
// outlives the transform. Pure: the caller lists `/` and decides the mode.

export interface Bind {
  /** Host path (an object file or a materialised folder). */
  src: string;
  /** Path inside the sandbox. */
  dest: string;
}

export interface RootEntry {
  name: string;
  /** Symlink target when the entry is a symlink (e.g. /bin -> usr/bin). */
  link?: string;
}

const SKIP = new Set(["proc", "dev", "tmp", "pfs"]);

export function bwrapArgv(opts: {
  root: RootEntry[];
  inputs: Bind[];
  outDir: string;
  /** Host folders under /tmp that must stay visible (the project, working_dir). */
  keep: string[];
  cwd: string;
  argv: string[];
}): string[] {
  // A PID namespace (its init dies with the transform) but no IPC/UTS ones: not needed, and not free.
  const a = ["bwrap", "--die-with-parent", "--unshare-pid"];
  for (const e of opts.root) {
    if (SKIP.has(e.name)) continue;
    if (e.link !== undefined) a.push("--symlink", e.link, `/${e.name}`);
    else a.push("--ro-bind", `/${e.name}`, `/${e.name}`);
  }
  a.push("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp");
  for (const k of opts.keep) a.push("--ro-bind", k, k);
  a.push("--dir", "/pfs");
  for (const b of opts.inputs) a.push("--ro-bind", b.src, b.dest);
  a.push("--bind", opts.outDir, "/pfs/out", "--chdir", opts.cwd, "--", ...opts.argv);
  return a;
}
