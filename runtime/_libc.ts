// What both FFI adapters share about libc: where it is, flock(2) flags, and how a
// failed call becomes a Node-style Error (code/errno/syscall/path). Linux only
// (errno numbers, __errno_location). Private to runtime/; no FFI here.

/** Tried in order by dlopen: glibc, then musl (Alpine). */
const LIBC_NAMES = ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"];

// flock(2) operations (<sys/file.h>).
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

// Linux errno numbers (asm-generic; identical on x86_64 and aarch64).
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 4: "EINTR", 5: "EIO", 9: "EBADF", 11: "EAGAIN", 12: "ENOMEM",
  13: "EACCES", 16: "EBUSY", 17: "EEXIST", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 24: "EMFILE",
  28: "ENOSPC", 30: "EROFS", 36: "ENAMETOOLONG", 38: "ENOSYS", 40: "ELOOP", 95: "EOPNOTSUPP",
  122: "EDQUOT",
};
export const EWOULDBLOCK = 11;

/** prctl(2) option (<linux/prctl.h>) and waitpid(2) flag (<sys/wait.h>). */
export const PR_SET_CHILD_SUBREAPER = 36;
export const WNOHANG = 1;

/** fcntl(2) command that resizes a pipe's buffer (<linux/fcntl.h>: F_LINUX_SPECIFIC_BASE + 7). */
export const F_SETPIPE_SZ = 1031;

export interface ErrnoError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path: string;
}

/** `mkfifo "/x/y": File exists (EEXIST)` — shaped like node:fs errors so callers test `err.code`. */
export function errnoError(syscall: string, path: string, errno: number, description: string): ErrnoError {
  return systemError(syscall, path, ERRNO_NAMES[errno] ?? `E${errno}`, description, errno);
}

export function systemError(syscall: string, path: string, code: string, description: string, errno = 0): ErrnoError {
  const err = new Error(`${syscall} "${path}": ${description} (${code})`) as ErrnoError;
  Object.assign(err, { code, errno, syscall, path });
  return err;
}

/** The first libc that `open` (bun:ffi or Deno.dlopen) can load. */
export function dlopenLibc<T>(open: (name: string) => T): T {
  for (const name of LIBC_NAMES) {
    try {
      return open(name);
    } catch { /* try the next name */ }
  }
  throw new Error(`cannot load libc (tried ${LIBC_NAMES.join(", ")})`);
}

/** NUL-terminated UTF-8, as a C `const char *` argument. */
export function cString(s: string): Uint8Array {
  return new TextEncoder().encode(s + "\0");
}
