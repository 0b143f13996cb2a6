// The one interface between calf and the JavaScript runtime it runs on.
// Everything that differs between Bun and Deno (spawning with process groups,
// FIFOs, signals, HTTP serving, hashing, kernel file locks) lives behind it;
// src/ only ever sees a `Runtime`. Plain node:fs / node:path are shared and
// may be used directly.

export interface SpawnOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Bytes fed to the child's stdin, then closed. Absent: stdin is /dev/null. */
  stdin?: string;
  /** stdout and stderr both go to this file (created/truncated; a FIFO is opened for writing). Absent: inherited. */
  outputFile?: string;
  /** With outputFile: stderr goes here instead (stdout alone to outputFile). */
  errorFile?: string;
}

export interface SpawnResult {
  /** Exit code, or null when ended by a signal. */
  exitCode: number | null;
  signal: string | null;
}

export interface Child {
  pid: number;
  /** Resolves when the child exits; by then its whole process group has been SIGKILLed. */
  done: Promise<SpawnResult>;
  /** Signal the child's whole process group. */
  kill(signal?: "SIGTERM" | "SIGKILL" | "SIGINT"): void;
}

/** Options of spawnLines(): like SpawnOptions, but stdin and stdout are the conversation. */
export interface LinesOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** stderr goes to this file (created/truncated). Absent: inherited. */
  stderrFile?: string;
}

/** A long-lived child spoken to in lines: requests on its stdin, replies on its stdout. */
export interface LineChild extends Child {
  /** Writes `line` and a "\n" to the child's stdin. A child that is gone is not an error (its reply is null). */
  send(line: string): void;
  /** The child's next stdout line, without "\n"; null once its stdout is closed. One call at a time. */
  receive(): Promise<string | null>;
  /** Closes the child's stdin (a child reading requests sees end of file). */
  end(): void;
}

export interface ServeOptions {
  hostname: string;
  port: number;
  fetch: (req: Request) => Response | Promise<Response>;
}

export interface Server {
  hostname: string;
  port: number;
  stop(): Promise<void>;
}

/** A held kernel lock (flock LOCK_EX); released by `release()` or by the process dying. */
export interface FileLock {
  release(): void;
}

export interface Hasher {
  update(data: string | Uint8Array): void;
  /** Lowercase hex. */
  digest(): string;
}

export interface Runtime {
  readonly name: "bun" | "deno";
  /**
   * Start argv[0] (looked up in `opts.env.PATH`) in a new session/process group
   * (setsid). Throws an Error with `code` ENOENT/EACCES when it cannot be started.
   */
  spawn(opts: SpawnOptions): Child;
  /**
   * Like spawn() (own session, group kill once the child exits), but the child
   * stays to talk: lines to its stdin, lines from its stdout.
   */
  spawnLines(opts: LinesOptions): LineChild;
  /**
   * Start argv[0] in calf's own process group with stdin, stdout and stderr
   * inherited (an interactive shell on calf's terminal: `calf datum run
   * --shell`); resolves with its exit status. Ctrl-C reaches calf too: the
   * caller handles SIGINT meanwhile.
   */
  spawnInteractive(opts: { argv: string[]; cwd: string; env: Record<string, string> }): Promise<SpawnResult>;
  /** kill(2) of process group `pgid`; a group that is already gone is not an error. */
  signalGroup(pgid: number, signal: "SIGTERM" | "SIGKILL" | "SIGINT"): void;
  /** mkfifo(3); throws an Error with `code` (EEXIST if the path exists, ENOENT, ...). */
  mkfifo(path: string, mode?: number): void;
  /**
   * syncfs(2) on the filesystem holding `path`: one call makes every written
   * file on it durable (the object store batches its fsyncs this way).
   */
  syncfs(path: string): void;
  /**
   * fcntl(F_SETPIPE_SZ) on an open pipe or FIFO: asks for a buffer of at least
   * `bytes` (the kernel rounds up to a power of two pages) and returns the
   * size it now has. Throws an Error with `code`: EBADF when `fd` is not a
   * pipe, EPERM above /proc/sys/fs/pipe-max-size (unprivileged), EBUSY below
   * what the pipe holds. A spout's FIFO asks for 1 MiB: 16× fewer reads than 64 KiB.
   */
  setPipeSize(fd: number, bytes: number): number;
  /**
   * prctl(PR_SET_CHILD_SUBREAPER): from now on, a descendant whose parent dies
   * (a transform's `setsid daemon &`) becomes this process's child instead of
   * init's, so it can be found and killed (adoptedChildren). False where the
   * kernel refuses.
   */
  becomeSubreaper(): boolean;
  /** Children this process did not spawn through the runtime (adopted orphans), and whether each is a zombie. */
  adoptedChildren(): { pid: number; zombie: boolean }[];
  /** waitpid(pid, WNOHANG) for an adopted child (never one spawned through the runtime): true when it was reaped. */
  reap(pid: number): boolean;
  /** Subscribe to SIGINT/SIGTERM/SIGHUP; returns an unsubscribe function. */
  onSignal(signal: "SIGINT" | "SIGTERM" | "SIGHUP", handler: () => void): () => void;
  /**
   * Rejects with `code` EADDRINUSE when the port is taken. `stop()` closes idle
   * connections and waits for in-flight responses: an endless stream keeps it pending.
   */
  serve(opts: ServeOptions): Promise<Server>;
  /** Lowercase hex SHA-256. */
  sha256(data: string | Uint8Array): string;
  /** Incremental SHA-256 for streams and large files. */
  sha256Hasher(): Hasher;
  /**
   * Non-blocking exclusive flock on `path` (created if missing); null when another
   * process holds it. The holder writes its pid + "\n" into the file once locked.
   */
  tryLock(path: string): FileLock | null;
  /** A hint to collect garbage now (between phases of a big plan, to bound peak memory). */
  gc(): void;
  /** Command-line arguments after the script/binary. */
  args(): string[];
}
