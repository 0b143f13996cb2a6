// The Runtime on Deno: node:child_process spawn with setsid (Deno.Command cannot
// send stdout and stderr to one file), libc mkfifo through Deno.dlopen,
// FsFile.tryLockSync (flock), Deno.serve. Loaded only on Deno (index.ts imports it lazily).
import { spawn as nodeSpawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, closeSync, constants, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { adoptedChildren, checkCwd, killGroup, listenError, startError, superviseGroup } from "./_group.ts";
import { cString, dlopenLibc, errnoError, F_SETPIPE_SZ, PR_SET_CHILD_SUBREAPER, WNOHANG } from "./_libc.ts";
import type { DenoApi } from "./_deno_api.ts";
import { lineChild, LineQueue } from "./_lines.ts";
import type { FileLock, LineChild, LinesOptions, Runtime, SpawnOptions } from "./types.ts";

declare const Deno: DenoApi;

const SYMBOLS = {
  mkfifo: { parameters: ["buffer", "u32"], result: "i32" },
  syncfs: { parameters: ["i32"], result: "i32" },
  // Variadic in C; called with one int argument, passed in a register as if fixed (x86_64, aarch64 Linux).
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  // Variadic in C; the unused arguments are passed as zeros.
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  waitpid: { parameters: ["i32", "pointer", "i32"], result: "i32" },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

let libc: ReturnType<typeof Deno.dlopen<typeof SYMBOLS>>["symbols"] | undefined;
function lib() {
  libc ??= dlopenLibc((name) => Deno.dlopen(name, SYMBOLS).symbols);
  return libc;
}

/** node:child_process reports a failed start only on the next tick; work out why now, like Bun. */
function startErrorCode(argv0: string, PATH: string): string {
  const candidates = argv0.includes("/") ? [argv0] : PATH.split(":").map((dir) => join(dir || ".", argv0));
  const found = candidates.filter((p) => existsSync(p));
  if (found.length === 0) return "ENOENT";
  try {
    for (const p of found) accessSync(p, constants.X_OK);
  } catch {
    return "EACCES";
  }
  return "EUNKNOWN";
}

function spawn(opts: SpawnOptions) {
  checkCwd(opts.cwd);
  const out = opts.outputFile === undefined ? "inherit" : openSync(opts.outputFile, "w");
  // Without errorFile, one fd for stdout and stderr: one file offset, so writes interleave in order.
  const err = opts.errorFile === undefined || out === "inherit" ? out : openSync(opts.errorFile, "w");
  const [argv0, ...rest] = opts.argv;
  const child = nodeSpawn(argv0, rest, {
    cwd: opts.cwd, env: opts.env, detached: true,
    stdio: [opts.stdin === undefined ? "ignore" : "pipe", out, err],
  });
  if (typeof out === "number") closeSync(out);
  if (typeof err === "number" && err !== out) closeSync(err);
  // A failed start is thrown below; a later "error" (a failed kill) must not crash calf.
  child.on("error", () => {});
  if (child.pid === undefined) {
    throw startError(argv0, startErrorCode(argv0, opts.env.PATH ?? process.env.PATH ?? ""));
  }
  if (child.stdin) {
    child.stdin.on("error", () => {}); // EPIPE: the child need not read all of its stdin
    child.stdin.end(opts.stdin);
  }
  const exited = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (exitCode, signal) => resolve({ exitCode, signal }))
  );
  return superviseGroup(child.pid, exited);
}

function spawnInteractive(opts: { argv: string[]; cwd: string; env: Record<string, string> }) {
  checkCwd(opts.cwd);
  const [argv0, ...rest] = opts.argv;
  const child = nodeSpawn(argv0, rest, { cwd: opts.cwd, env: opts.env, stdio: "inherit" });
  child.on("error", () => {});
  if (child.pid === undefined) throw startError(argv0, startErrorCode(argv0, opts.env.PATH ?? process.env.PATH ?? ""));
  return new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => child.once("exit", (exitCode, signal) => resolve({ exitCode, signal })));
}

function spawnLines(opts: LinesOptions): LineChild {
  checkCwd(opts.cwd);
  const err = opts.stderrFile === undefined ? "inherit" : openSync(opts.stderrFile, "w");
  const [argv0, ...rest] = opts.argv;
  const child = nodeSpawn(argv0, rest, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["pipe", "pipe", err] });
  if (typeof err === "number") closeSync(err);
  child.on("error", () => {});
  if (child.pid === undefined) {
    throw startError(argv0, startErrorCode(argv0, opts.env.PATH ?? process.env.PATH ?? ""));
  }
  const lines = new LineQueue();
  child.stdout!.on("data", (chunk: Uint8Array) => lines.push(chunk));
  child.stdout!.on("close", () => lines.close());
  child.stdout!.on("error", () => lines.close());
  child.stdin!.on("error", () => {}); // EPIPE: the child is gone; receive() says so with null
  const exited = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (exitCode, signal) => resolve({ exitCode, signal }))
  );
  return lineChild(child.pid, exited, lines, { write: (text) => void child.stdin!.write(text), close: () => void child.stdin!.end() });
}

function tryLock(path: string): FileLock | null {
  // Deno's FsFile locks are flock(2) on Linux (verified against bun.ts), opened O_CLOEXEC.
  const file = Deno.openSync(path, { read: true, write: true, create: true });
  if (!file.tryLockSync(true)) {
    file.close();
    return null;
  }
  file.truncateSync(0);
  file.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      file.unlockSync();
      file.close();
    },
  };
}

export const denoRuntime: Runtime = {
  name: "deno",
  spawn,
  spawnLines,
  spawnInteractive,
  signalGroup: killGroup,
  mkfifo(path, mode = 0o600) {
    if (lib().mkfifo(cString(path), mode) !== 0) {
      const errno = new Deno.UnsafePointerView(lib().__errno_location()).getInt32();
      throw errnoError("mkfifo", path, errno, Deno.UnsafePointerView.getCString(lib().strerror(errno)));
    }
  },
  syncfs(path) {
    const fd = openSync(path, "r");
    try {
      if (lib().syncfs(fd) !== 0) {
        const errno = new Deno.UnsafePointerView(lib().__errno_location()).getInt32();
        throw errnoError("syncfs", path, errno, Deno.UnsafePointerView.getCString(lib().strerror(errno)));
      }
    } finally {
      closeSync(fd);
    }
  },
  setPipeSize(fd, bytes) {
    const size = lib().fcntl(fd, F_SETPIPE_SZ, bytes);
    if (size < 0) {
      const errno = new Deno.UnsafePointerView(lib().__errno_location()).getInt32();
      throw errnoError("fcntl", `fd ${fd}`, errno, Deno.UnsafePointerView.getCString(lib().strerror(errno)));
    }
    return size;
  },
  becomeSubreaper: () => lib().prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0,
  adoptedChildren,
  reap: (pid) => lib().waitpid(pid, null, WNOHANG) === pid,
  onSignal(signal, handler) {
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  },
  serve({ hostname, port, fetch }) {
    return new Promise((resolve, reject) => {
      try {
        const server = Deno.serve({
          hostname, port,
          onListen: (addr) => resolve({ hostname: addr.hostname, port: addr.port, stop: () => server.shutdown() }),
        }, (req) => fetch(req));
      } catch (err) {
        reject(listenError(err, hostname, port));
      }
    });
  },
  sha256: (data) => createHash("sha256").update(data).digest("hex"),
  sha256Hasher() {
    const hash = createHash("sha256");
    return { update: (data) => void hash.update(data), digest: () => hash.digest("hex") };
  },
  // Deno exposes no GC call without --v8-flags=--expose-gc: a no-op hint.
  gc: () => (globalThis as { gc?: () => void }).gc?.(),
  tryLock,
  args: () => [...Deno.args],
};
