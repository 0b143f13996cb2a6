// The Runtime on Bun: Bun.spawn with setsid, libc mkfifo/flock through bun:ffi,
// Bun.serve, Bun.CryptoHasher. Loaded only on Bun (index.ts imports it lazily);
// everything runtime-neutral lives in _group.ts and _libc.ts.
import { CString, dlopen, read } from "bun:ffi";
import { closeSync, constants, ftruncateSync, openSync, writeSync } from "node:fs";
import process from "node:process";
import { adoptedChildren, checkCwd, killGroup, listenError, startError, superviseGroup } from "./_group.ts";
import { cString, dlopenLibc, errnoError, EWOULDBLOCK, F_SETPIPE_SZ, LOCK_EX, LOCK_NB, LOCK_UN, PR_SET_CHILD_SUBREAPER, WNOHANG } from "./_libc.ts";
import { lineChild, LineQueue } from "./_lines.ts";
import type { FileLock, LineChild, LinesOptions, Runtime, SpawnOptions } from "./types.ts";

const SYMBOLS = {
  mkfifo: { args: ["ptr", "u32"], returns: "i32" },
  syncfs: { args: ["i32"], returns: "i32" },
  flock: { args: ["i32", "i32"], returns: "i32" },
  // Variadic in C; called with one int argument, passed in a register as if fixed (x86_64, aarch64 Linux).
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  // Variadic in C; the unused arguments are passed as zeros.
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" },
  strerror: { args: ["i32"], returns: "ptr" },
  __errno_location: { args: [], returns: "ptr" },
} as const;

let libc: ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"] | undefined;
function lib() {
  libc ??= dlopenLibc((name) => dlopen(name, SYMBOLS).symbols);
  return libc;
}

/** errno of the libc call just made, as an Error. Read it before any other FFI call. */
function lastError(syscall: string, path: string) {
  const errno = read.i32(lib().__errno_location()!, 0);
  return errnoError(syscall, path, errno, new CString(lib().strerror(errno)!).toString());
}

function spawn(opts: SpawnOptions) {
  checkCwd(opts.cwd);
  const out = opts.outputFile === undefined ? "inherit" : openSync(opts.outputFile, "w");
  // Without errorFile, one fd for stdout and stderr: one file offset, so writes interleave in order.
  const err = opts.errorFile === undefined || out === "inherit" ? out : openSync(opts.errorFile, "w");
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn({
      cmd: opts.argv, cwd: opts.cwd, env: opts.env, detached: true,
      stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
      stdout: out, stderr: err,
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw code ? startError(opts.argv[0], code) : e;
  } finally {
    if (typeof out === "number") closeSync(out);
    if (typeof err === "number" && err !== out) closeSync(err);
  }
  // Bun.spawn's own kill/timeout reach only the leader: _group.ts signals the group.
  const exited = proc.exited.then(() => {
    const signal = proc.signalCode === null ? null : String(proc.signalCode);
    return { exitCode: signal ? null : proc.exitCode, signal };
  });
  return superviseGroup(proc.pid, exited);
}

async function spawnInteractive(opts: { argv: string[]; cwd: string; env: Record<string, string> }) {
  checkCwd(opts.cwd);
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn({ cmd: opts.argv, cwd: opts.cwd, env: opts.env, stdin: "inherit", stdout: "inherit", stderr: "inherit" });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw code ? startError(opts.argv[0], code) : e;
  }
  await proc.exited;
  const signal = proc.signalCode === null ? null : String(proc.signalCode);
  return { exitCode: signal ? null : proc.exitCode, signal };
}

function spawnLines(opts: LinesOptions): LineChild {
  checkCwd(opts.cwd);
  const err = opts.stderrFile === undefined ? "inherit" : openSync(opts.stderrFile, "w");
  let proc: Bun.Subprocess<"pipe", "pipe", number | "inherit">;
  try {
    proc = Bun.spawn({ cmd: opts.argv, cwd: opts.cwd, env: opts.env, detached: true, stdin: "pipe", stdout: "pipe", stderr: err });
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw code ? startError(opts.argv[0], code) : e;
  } finally {
    if (typeof err === "number") closeSync(err);
  }
  const lines = new LineQueue();
  void (async () => {
    const reader = proc.stdout.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        lines.push(value);
      }
    } catch { /* a broken pipe ends the conversation like end of file */ }
    lines.close();
  })();
  const exited = proc.exited.then(() => {
    const signal = proc.signalCode === null ? null : String(proc.signalCode);
    return { exitCode: signal ? null : proc.exitCode, signal };
  });
  return lineChild(proc.pid, exited, lines, {
    write(text) {
      proc.stdin.write(text);
      void proc.stdin.flush();
    },
    close: () => void proc.stdin.end(),
  });
}

/** Bun.file(fd).stream() reads a non-blocking FIFO through the event loop (epoll), not the thread pool. */
function watchFifo(path: string, onData: (chunk: Uint8Array) => void): { close(): void } {
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  const reader = Bun.file(fd).stream().getReader();
  let open = true;
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || !open) break;
        onData(value);
      }
    } catch { /* cancelled */ }
  })();
  return {
    close() {
      if (!open) return;
      open = false;
      void reader.cancel().catch(() => {}).finally(() => closeSync(fd));
    },
  };
}

function tryLock(path: string): FileLock | null {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644); // O_CLOEXEC is Bun's default
  if (lib().flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const err = lastError("flock", path);
    closeSync(fd);
    if (err.errno === EWOULDBLOCK) return null;
    throw err;
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  let held = true;
  return {
    release() {
      if (!held) return; // a second close could hit an fd number reused since
      held = false;
      lib().flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}

export const bunRuntime: Runtime = {
  name: "bun",
  spawn,
  spawnLines,
  watchFifo,
  spawnInteractive,
  signalGroup: killGroup,
  mkfifo(path, mode = 0o600) {
    if (lib().mkfifo(cString(path), mode) !== 0) throw lastError("mkfifo", path);
  },
  syncfs(path) {
    const fd = openSync(path, "r");
    try {
      if (lib().syncfs(fd) !== 0) throw lastError("syncfs", path);
    } finally {
      closeSync(fd);
    }
  },
  setPipeSize(fd, bytes) {
    const size = lib().fcntl(fd, F_SETPIPE_SZ, bytes);
    if (size < 0) throw lastError("fcntl", `fd ${fd}`);
    return size;
  },
  becomeSubreaper: () => lib().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0,
  adoptedChildren,
  reap: (pid) => lib().waitpid(pid, null, WNOHANG) === pid,
  onSignal(signal, handler) {
    process.on(signal, handler);
    return () => void process.off(signal, handler);
  },
  async serve({ hostname, port, fetch }) {
    // development: false — no source-code error pages; but it also turns SO_REUSEPORT on
    // (a second calf would bind the same port silently), hence reusePort: false.
    // idleTimeout: 0 — like Deno.serve, never cut a quiet long poll (Bun's default: 10 s).
    // maxRequestBodySize: the app limits bodies (after its token check); Bun's own default (128 MiB) would answer 413 first.
    let server: ReturnType<typeof Bun.serve>;
    try {
      server = Bun.serve({ hostname, port, fetch, development: false, reusePort: false, idleTimeout: 0, maxRequestBodySize: 2 ** 50 });
    } catch (err) {
      throw listenError(err, hostname, port);
    }
    return { hostname: server.hostname ?? hostname, port: server.port ?? port, stop: () => server.stop() };
  },
  // The static hash: a CryptoHasher object per call piles up until GC (~70 MB in a 100k-datum plan).
  sha256: (data) => Bun.CryptoHasher.hash("sha256", data, "hex") as string,
  sha256Hasher() {
    const hasher = new Bun.CryptoHasher("sha256");
    return { update: (data) => void hasher.update(data), digest: () => hasher.digest("hex") };
  },
  tryLock,
  gc: () => Bun.gc(true),
  // `bun main.ts a b` and a compiled `calf a b` (argv = ["bun", "/$bunfs/root/calf", "a", "b"]) alike.
  args: () => process.argv.slice(2),
};
