// bubblewrap argv and scripts (SPEC §4.6): the host's top-level folders
// read-only, private /tmp, /pfs holding exactly the datum's inputs (read-only)
// and a writable /pfs/out, a PID namespace so nothing outlives the transform.
// bwrapArgv() is one sandbox per run (spouts); boxArgv() and the scripts
// below are the slot sandbox that runs datum after datum. Pure: the caller
// lists `/` and decides the mode.

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

const SKIP = new Set(["proc", "dev", "tmp", "pfs"]);

/** The host's top-level folders read-only (symlinks as symlinks), fresh /dev and /proc, a private /tmp with `keep` bound back. */
function hostView(root: RootEntry[], keep: string[]): string[] {
  const a: string[] = [];
  for (const e of root) {
    if (SKIP.has(e.name)) continue;
    if (e.link !== undefined) a.push("--symlink", e.link, `/${e.name}`);
    else a.push("--ro-bind", `/${e.name}`, `/${e.name}`);
  }
  a.push("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp");
  for (const k of keep) a.push("--ro-bind", k, k);
  return a;
}

/** bwrap argv of a per-run sandbox (a spout process): inputs as read-only binds of the objects. */
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
  const a = ["bwrap", "--die-with-parent", "--unshare-pid", ...hostView(opts.root, opts.keep)];
  a.push("--dir", "/pfs");
  for (const b of opts.inputs) a.push("--ro-bind", b.src, b.dest);
  a.push("--bind", opts.outDir, "/pfs/out", "--chdir", opts.cwd, "--", ...opts.argv);
  return a;
}

// --- the slot sandbox --------------------------------------------------------
// One bwrap per worker slot runs every datum of that slot (slotbox.ts): a
// namespace set-up costs more than a small transform itself. Inside, a POSIX
// sh loop (the runner, PID 1) reads "go" lines and runs the job script that
// calf wrote into the channel folder, then kills whatever the datum left
// behind (kill -9 -1 from PID 1 reaches every other process in the
// namespace), empties the private /tmp, and answers the exit status.

/** Where the channel folder (job script, stdin, log) appears inside the slot sandbox. */
export const CHANNEL = "/.calf";

/**
 * bwrap argv of a slot sandbox: /pfs is the slot's folder read-only, /pfs/out
 * writable. The runner is the namespace's PID 1 (--as-pid-1: orphans are
 * reparented to it, and it ignores signals it has no handler for) and leads
 * its own session (--new-session), so SIGTERM to its process group reaches the
 * datum's processes but neither the runner nor bwrap.
 */
export function boxArgv(opts: { root: RootEntry[]; keep: string[]; pfsDir: string; outDir: string; channelDir: string }): string[] {
  const a = ["bwrap", "--die-with-parent", "--unshare-pid", "--as-pid-1", "--new-session", ...hostView(opts.root, opts.keep)];
  a.push("--ro-bind", opts.pfsDir, "/pfs", "--bind", opts.outDir, "/pfs/out", "--bind", opts.channelDir, CHANNEL);
  // The runner starts with an empty environment: each job script sets exactly its own.
  a.push("--clearenv", "--chdir", "/", "--", "/bin/sh", "-c", runnerScript(opts.keep));
  return a;
}

/** The runner loop. `keep` folders under /tmp (read-only binds) survive the /tmp clean-up. */
export function runnerScript(keep: string[]): string {
  const tops = [...new Set(keep.filter((k) => k.startsWith("/tmp/")).map((k) => `/tmp/${k.split("/")[2]}`))];
  const spare = tops.length ? `    case $f in ${tops.map(shQuote).join("|")}) continue;; esac\n` : "";
  return [
    "while read -r _; do",
    `  ( . ${CHANNEL}/job ) </dev/null >${CHANNEL}/log 2>&1`,
    "  s=$?",
    "  kill -9 -1 2>/dev/null",
    "  for f in /tmp/* /tmp/.[!.]* /tmp/..?*; do",
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
 * /dev/null, and `argv` exec'd in place of the runner's subshell.
 */
export function jobScript(opts: { argv: string[]; env: Record<string, string | undefined>; cwd: string; stdin: boolean }): string {
  const vars = Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined);
  const input = opts.stdin ? `<${CHANNEL}/stdin` : "</dev/null";
  const cmd = opts.argv.map(shQuote).join(" ");
  const lines = [`cd ${shQuote(opts.cwd)} || exit 127`];
  if (vars.every(([k]) => SH_NAME.test(k))) {
    for (const [k, v] of vars) lines.push(exportLine(k, v));
    lines.push(`exec ${cmd} ${input}`);
  } else {
    // A name sh cannot export (e.g. bash's BASH_FUNC_f%%): env(1) sets it.
    lines.push(`exec env -i ${vars.map(([k, v]) => shQuote(`${k}=${v}`)).join(" ")} ${cmd} ${input}`);
  }
  return lines.join("\n") + "\n";
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
