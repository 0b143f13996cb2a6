// bubblewrap argv and scripts (SPEC §4.6): the host's top-level folders
// read-only, private /tmp and /dev/shm, /pfs holding exactly the datum's inputs
// (read-only) and a writable /pfs/out; a PID namespace so nothing outlives the
// transform, and no capabilities, so not even a transform running as root can
// remount anything writable. bwrapArgv() is one sandbox per run (spouts);
// boxArgv() and the scripts below are the slot sandbox that runs datum after
// datum. Pure: the caller lists `/` and probes what this kernel allows.

import { constants } from "node:os";

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

/** What the sandbox is built from: the host's `/` and what this kernel and bwrap allow (probe.ts). */
export interface SandboxPlan {
  root: RootEntry[];
  /** Host folders under /tmp that must stay visible (the project, working_dir). */
  keep: string[];
  /** Host paths the transform must not see although the host is visible: calf's data dir (every repo's objects) and database. */
  hide: { path: string; dir: boolean }[];
  /** $PATH to find bwrap with. */
  path: string;
  /** Unprivileged user namespaces work: the sandbox gets its own (its capabilities reach nothing outside). */
  userns: boolean;
  /** bwrap has --disable-userns: the transform cannot make a user namespace of its own. */
  disableUserns: boolean;
}

const SKIP = new Set(["proc", "dev", "tmp", "pfs"]);

/**
 * Namespaces and privileges, shared by both sandboxes. Every capability is
 * dropped (bwrap also empties the bounding set and sets no_new_privs), so a
 * transform running as root cannot mount, remount, chmod what it does not own
 * or ptrace calf: `mount -o remount,rw /pfs` is refused. A user namespace
 * (where the kernel allows one) confines whatever privilege a kernel bug might
 * still leave; an IPC namespace keeps SysV IPC away from the host's.
 */
function isolation(plan: SandboxPlan): string[] {
  const a = ["--die-with-parent", "--unshare-pid", "--unshare-ipc"];
  if (plan.userns) a.push("--unshare-user", ...(plan.disableUserns ? ["--disable-userns"] : []));
  a.push("--cap-drop", "ALL");
  return a;
}

/**
 * The host's top-level folders read-only (symlinks as symlinks), fresh /dev
 * (read-only but for a private /dev/shm) and /proc, a private /tmp with `keep`
 * bound back. The sandbox's own root stays writable until `sealed()`.
 */
function hostView(plan: SandboxPlan): string[] {
  const a: string[] = [];
  for (const e of plan.root) {
    if (SKIP.has(e.name)) continue;
    if (e.link !== undefined) a.push("--symlink", e.link, `/${e.name}`);
    else a.push("--ro-bind", `/${e.name}`, `/${e.name}`);
  }
  a.push("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--remount-ro", "/dev", "--tmpfs", "/dev/shm");
  for (const k of plan.keep) a.push("--ro-bind", k, k);
  // An empty read-only folder over a hidden folder; /dev/null (unreadable there: nodev) over a hidden file.
  for (const h of plan.hide) a.push(...(h.dir ? ["--tmpfs", h.path, "--remount-ro", h.path] : ["--ro-bind", "/dev/null", h.path]));
  return a;
}

/** The last mount step: the sandbox's root tmpfs read-only, so a transform can create nothing at `/` (or `/pfs`). */
const SEAL = ["--remount-ro", "/"];

/** /pfs built inside the sandbox from read-only binds of single objects or folders, then the writable /pfs/out. */
function pfsFromBinds(inputs: Bind[], outDir: string): string[] {
  const a = ["--dir", "/pfs"];
  for (const b of inputs) a.push("--ro-bind", b.src, b.dest);
  a.push("--bind", outDir, "/pfs/out");
  return a;
}

/** bwrap argv of a per-run sandbox (a spout process): inputs as read-only binds of the objects. */
export function bwrapArgv(opts: { plan: SandboxPlan; inputs: Bind[]; outDir: string; cwd: string; argv: string[] }): string[] {
  return [
    "bwrap", ...isolation(opts.plan), ...hostView(opts.plan), ...pfsFromBinds(opts.inputs, opts.outDir), ...SEAL,
    "--chdir", opts.cwd, "--", ...opts.argv,
  ];
}

// --- the slot sandbox --------------------------------------------------------
// One bwrap per worker slot runs every datum of that slot (slotbox.ts): a
// namespace set-up costs more than a small transform itself. Inside, a POSIX
// sh loop (the runner, PID 1) reads "go" lines and runs the job script that
// calf wrote into the channel folder, then kills whatever the datum left
// behind (kill -9 -1 from PID 1 reaches every other process in the
// namespace), empties every place a datum can write (/tmp, /dev/shm; calf
// empties /pfs/out), and answers the exit status. SysV IPC objects stay in the
// slot's IPC namespace until the sandbox ends: checking /proc/sysvipc from sh
// costs ~120 µs per datum (it reads byte by byte), more than the rest of the loop.
//
// The channel folder is read-only inside: calf writes the job script and stdin
// there on the host, and the transform can neither replace them nor plant a
// symlink for calf to follow. Its output goes to two FIFOs in that folder,
// which calf reads (slotbox.ts): a FIFO opens for writing on a read-only
// mount, and it leaves nothing on disk for a transform to swap.

/** Where the channel folder (job script, stdin, output FIFOs) appears inside the slot sandbox. */
export const CHANNEL = "/.calf";

/**
 * bwrap argv of a slot sandbox: /pfs is the slot's folder read-only, /pfs/out
 * writable; or, with `binds`, /pfs is made of read-only binds of objects (a
 * datum too big to copy). The runner is the namespace's PID 1 (--as-pid-1:
 * orphans are reparented to it, and it ignores signals it has no handler
 * for) and leads its own session (--new-session), so SIGTERM to its process
 * group reaches the datum's processes but neither the runner nor bwrap.
 */
export function boxArgv(opts: { plan: SandboxPlan; pfsDir: string; outDir: string; channelDir: string; binds?: Bind[] }): string[] {
  const a = ["bwrap", ...isolation(opts.plan), "--as-pid-1", "--new-session", ...hostView(opts.plan)];
  if (opts.binds) a.push(...pfsFromBinds(opts.binds, opts.outDir));
  else a.push("--ro-bind", opts.pfsDir, "/pfs", "--bind", opts.outDir, "/pfs/out");
  a.push("--ro-bind", opts.channelDir, CHANNEL, ...SEAL);
  // The runner starts with an empty environment: each job script sets exactly its own.
  a.push("--clearenv", "--chdir", "/", "--", "/bin/sh", "-c", runnerScript(opts.plan.keep));
  return a;
}

/** The places a datum can write inside the slot sandbox besides /pfs/out (which calf empties). */
const SCRATCH = ["/tmp", "/dev/shm"];

/** The runner loop. `keep` folders under /tmp (read-only binds) survive the /tmp clean-up. */
export function runnerScript(keep: string[]): string {
  const tops = [...new Set(keep.filter((k) => k.startsWith("/tmp/")).map((k) => `/tmp/${k.split("/")[2]}`))];
  const spare = tops.length ? `    case $f in ${tops.map(shQuote).join("|")}) continue;; esac\n` : "";
  const globs = SCRATCH.flatMap((d) => [`${d}/*`, `${d}/.[!.]*`, `${d}/..?*`]).join(" ");
  return [
    // "go", then (goLine) what the attempt's environment changes from the job script's.
    "while read -r _ __calf_go; do",
    `  ( . ${CHANNEL}/job ) </dev/null >${CHANNEL}/out 2>${CHANNEL}/err`,
    "  s=$?",
    "  kill -9 -1 2>/dev/null",
    `  for f in ${globs}; do`,
    spare + '    if [ -e "$f" ] || [ -L "$f" ]; then rm -rf -- "$f"; fi',
    "  done",
    '  echo "$s"',
    "done",
    "",
  ].join("\n");
}

/** Single-quotes `s` for sh: every byte is literal. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

const SH_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The job script for one attempt: exactly `env` (the runner itself has an
 * empty environment), `cwd`, stdin from the channel's stdin file or
 * /dev/null, and `argv` exec'd in place of the runner's subshell. Where sh
 * can export every name, it then evals the runner's `$__calf_go`: the next
 * attempts of the same command reuse the script and get their own variables
 * on the "go" line (goLine), not a new file each (an inode per datum).
 */
export function jobScript(opts: { argv: string[]; env: Record<string, string | undefined>; cwd: string; stdin: boolean }): string {
  const vars = Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined);
  const input = opts.stdin ? `<${CHANNEL}/stdin` : "</dev/null";
  const cmd = opts.argv.map(shQuote).join(" ");
  const lines = [`cd ${shQuote(opts.cwd)} || exit 127`];
  if (vars.every(([k]) => SH_NAME.test(k))) {
    for (const [k, v] of vars) lines.push(exportLine(k, v));
    lines.push('eval "$__calf_go"', `exec ${cmd} ${input}`);
  } else {
    // A name sh cannot export (e.g. bash's BASH_FUNC_f%%): env(1) sets it.
    lines.push(`exec env -i ${vars.map(([k, v]) => shQuote(`${k}=${v}`)).join(" ")} ${cmd} ${input}`);
  }
  return lines.join("\n") + "\n";
}

/** The longest "go" line; an attempt whose changes would not fit gets a job script of its own. */
const MAX_GO = 16 * 1024;

/**
 * What the runner evals before exec for an attempt whose environment is
 * `env`, when the job script was written for `base` (same command, cwd and
 * stdin): `export` of every changed value and `unset` of every dropped
 * name, as one line. Null when that cannot be: a name sh cannot export (the
 * script is in its env -i form), a value with a line break, a longer line.
 */
export function goLine(base: Record<string, string | undefined>, env: Record<string, string | undefined>): string | null {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!SH_NAME.test(k)) return null;
    if (v === undefined || base[k] === v) continue;
    if (/[\n\r]/.test(v)) return null;
    parts.push(`export ${k}=${shQuote(v)}`);
  }
  for (const [k, v] of Object.entries(base)) {
    if (!SH_NAME.test(k)) return null;
    if (v !== undefined && env[k] === undefined) parts.push(`unset ${k}`);
  }
  const line = parts.join("; ");
  return line.length > MAX_GO ? null : line;
}

// Most of a job's environment is the same for every datum: quote it once.
const exportLines = new Map<string, string>();

function exportLine(k: string, v: string): string {
  const key = `${k}=${v}`;
  let line = exportLines.get(key);
  if (line === undefined) {
    if (exportLines.size >= 10_000) exportLines.clear();
    exportLines.set(key, (line = `export ${k}=${shQuote(v)}`));
  }
  return line;
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n as number, name]));

/**
 * The runner's answer ($? of the job's subshell) as an exit: sh reports death
 * by signal N as 128+N, so an exit code above 128 that names a signal reads
 * as that signal (as for any shell).
 */
export function statusOf(answer: string): { exitCode: number | null; signal: string | null } {
  const s = Number(answer);
  if (!/^\d+$/.test(answer) || s > 255) throw new Error(`the sandbox runner answered "${answer.slice(0, 80)}", not an exit status`);
  const signal = s > 128 ? SIGNAL_NAMES.get(s - 128) : undefined;
  return signal ? { exitCode: null, signal } : { exitCode: s, signal: null };
}
