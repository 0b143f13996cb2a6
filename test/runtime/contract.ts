// The Runtime contract: cases every adapter in runtime/ must pass, written against
// node:assert and plain promises so that bun:test (bun.test.ts) and Deno.test
// (deno.contract.ts) loop over the same list. Linux only: uses sh, sleep and /proc.
import assert from "node:assert/strict";
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readSync, realpathSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Runtime, SpawnResult } from "../../runtime/types.ts";

export interface ContractCase {
  name: string;
  timeoutMs: number;
  fn: () => Promise<void>;
}

export interface ContractHost {
  /** argv that runs test/runtime/_helper.ts as a separate process of this runtime. */
  helperArgv: string[];
}

/** The absolute path of the helper script, for building `helperArgv`. */
export const HELPER_PATH = fileURLToPath(new URL("./_helper.ts", import.meta.url).href);

const ENV = { PATH: "/usr/bin:/bin" };

/** Rejects after `ms` — for runners (Deno.test) that have no per-test timeout. */
export function withTimeout(name: string, ms: number, fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms} ms`)), ms);
    });
    try {
      await Promise.race([fn(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "calf-rt-")));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A pid counts as gone once it no longer exists or is a zombie nobody reaped yet. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");

export function runtimeContract(rt: Runtime, host: ContractHost): ContractCase[] {
  const cases: ContractCase[] = [];
  const test = (name: string, fn: () => Promise<void>, timeoutMs = 10_000) => cases.push({ name, fn, timeoutMs });

  // Runs argv to completion in a temp dir; returns the result and the combined output.
  async function run(argv: string[], extra: { stdin?: string; env?: Record<string, string> } = {}) {
    let output = "";
    let result: SpawnResult | undefined;
    await inTempDir(async (dir) => {
      const outputFile = join(dir, "out");
      result = await rt.spawn({ argv, cwd: dir, env: extra.env ?? ENV, stdin: extra.stdin, outputFile }).done;
      output = read(outputFile);
    });
    return { result: result!, output };
  }

  // --- spawn -----------------------------------------------------------------

  test("spawn() resolves done with the exit code", async () => {
    const { result } = await run(["sh", "-c", "exit 3"]);
    assert.deepEqual(result, { exitCode: 3, signal: null });
  });

  test("spawn() passes exactly the given env, nothing of the parent's", async () => {
    const { output } = await run(["env"], { env: { PATH: "/usr/bin:/bin", CALF_ONLY: "1" } });
    assert.deepEqual(output.trim().split("\n").sort(), ["CALF_ONLY=1", "PATH=/usr/bin:/bin"]);
  });

  test("spawn() runs in cwd", async () => {
    await inTempDir(async (dir) => {
      await rt.spawn({ argv: ["sh", "-c", "pwd > here"], cwd: dir, env: ENV }).done;
      assert.equal(read(join(dir, "here")), `${dir}\n`);
    });
  });

  test("spawnInteractive() runs in calf's own process group, in cwd, with the given env, and resolves with the exit status", async () => {
    await inTempDir(async (dir) => {
      const own = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /s, "").split(" ")[2];
      const script = `sed 's/^.*) //' /proc/self/stat | cut -d' ' -f3 > pgrp; pwd > here; echo "$CALF_ONLY" > env; exit 4`;
      const r = await rt.spawnInteractive({ argv: ["sh", "-c", script], cwd: dir, env: { ...ENV, CALF_ONLY: "yes" } });
      assert.deepEqual(r, { exitCode: 4, signal: null });
      assert.deepEqual([read(join(dir, "pgrp")), read(join(dir, "here")), read(join(dir, "env"))], [`${own}\n`, `${dir}\n`, "yes\n"]);
    });
  });

  test("spawn() feeds stdin text and closes it", async () => {
    const text = "line 1\nlíne 2 ✓\n".repeat(5000); // > a pipe buffer
    const { output } = await run(["cat"], { stdin: text });
    assert.equal(output, text);
  });

  test("spawn() without stdin gives the child /dev/null", async () => {
    const { output } = await run(["readlink", "/proc/self/fd/0"]);
    assert.equal(output, "/dev/null\n");
  });

  test("spawn() truncates outputFile and interleaves stdout and stderr in order", async () => {
    await inTempDir(async (dir) => {
      const outputFile = join(dir, "out");
      writeFileSync(outputFile, "stale ".repeat(1000));
      const script = "echo 1; echo 2 >&2; echo 3; echo 4 >&2; echo 5";
      await rt.spawn({ argv: ["sh", "-c", script], cwd: dir, env: ENV, outputFile }).done;
      assert.equal(read(outputFile), "1\n2\n3\n4\n5\n");
    });
  });

  test("spawn() with errorFile sends stdout to outputFile and stderr to errorFile", async () => {
    await inTempDir(async (dir) => {
      const outputFile = join(dir, "out");
      const errorFile = join(dir, "err");
      await rt.spawn({ argv: ["sh", "-c", "echo 1; echo 2 >&2; echo 3"], cwd: dir, env: ENV, outputFile, errorFile }).done;
      assert.deepEqual([read(outputFile), read(errorFile)], ["1\n3\n", "2\n"]);
    });
  });

  test("spawn() writes into FIFOs given as outputFile and errorFile (a reader holds them open)", async () => {
    await inTempDir(async (dir) => {
      const [out, err] = [join(dir, "out"), join(dir, "err")];
      rt.mkfifo(out);
      rt.mkfifo(err);
      const fds = [out, err].map((p) => openSync(p, constants.O_RDONLY | constants.O_NONBLOCK));
      try {
        await rt.spawn({ argv: ["sh", "-c", "echo to-out; echo to-err >&2"], cwd: dir, env: ENV, outputFile: out, errorFile: err }).done;
        const got = fds.map((fd) => {
          const buf = Buffer.alloc(100);
          return buf.subarray(0, readSync(fd, buf)).toString();
        });
        assert.deepEqual(got, ["to-out\n", "to-err\n"]);
      } finally {
        fds.forEach((fd) => closeSync(fd));
      }
    });
  });

  test("spawn() starts the child in its own session and process group", async () => {
    await inTempDir(async (dir) => {
      const outputFile = join(dir, "out");
      const child = rt.spawn({ argv: ["cat", "/proc/self/stat"], cwd: dir, env: ENV, outputFile });
      await child.done;
      // pid (comm) state ppid pgrp session ...
      const [pgrp, session] = read(outputFile).replace(/^.*\) /s, "").split(" ").slice(2, 4).map(Number);
      assert.deepEqual({ pgrp, session }, { pgrp: child.pid, session: child.pid });
      assert.notEqual(child.pid, process.pid);
    });
  });

  test("spawn() throws ENOENT at once for a command not on the child's PATH", async () => {
    assert.throws(() => rt.spawn({ argv: ["calf-no-such-command"], cwd: tmpdir(), env: ENV }), {
      name: "Error",
      code: "ENOENT",
      message: `spawn "calf-no-such-command": not found in the child's $PATH (ENOENT)`,
    });
  });

  test("spawn() throws ENOENT naming the cwd when the working directory is missing", async () => {
    assert.throws(() => rt.spawn({ argv: ["sh", "-c", "true"], cwd: "/calf-no-such-dir", env: ENV }), {
      name: "Error",
      code: "ENOENT",
      message: `spawn "/calf-no-such-dir": working directory does not exist (ENOENT)`,
    });
  });

  test("spawn() kills what the child left running in its group once it exits", async () => {
    await inTempDir(async (dir) => {
      const child = rt.spawn({ argv: ["sh", "-c", "sleep 30 & echo $! > pid"], cwd: dir, env: ENV });
      assert.deepEqual(await child.done, { exitCode: 0, signal: null });
      const pid = Number(read(join(dir, "pid")));
      assert.ok(pid > 0);
      await waitFor(`background sleep ${pid} to die`, () => !isRunning(pid), 2000);
    });
  });

  test("Child.kill() signals the whole group; it is a no-op once done", async () => {
    await inTempDir(async (dir) => {
      const child = rt.spawn({ argv: ["sh", "-c", "sleep 30 & echo $! > pid; wait"], cwd: dir, env: ENV });
      await waitFor("pid file", () => read(join(dir, "pid")).endsWith("\n"));
      const pid = Number(read(join(dir, "pid")));
      child.kill("SIGTERM");
      assert.deepEqual(await child.done, { exitCode: null, signal: "SIGTERM" });
      await waitFor(`background sleep ${pid} to die`, () => !isRunning(pid), 2000);
      child.kill("SIGKILL");
    });
  });

  // --- spawnLines --------------------------------------------------------------

  test("spawnLines() answers line for line, then null once the child closes stdout", async () => {
    await inTempDir(async (dir) => {
      // Replies to each request with its length; a request split over two writes still arrives whole.
      const script = 'while read -r l; do echo "${#l}:$l"; done; echo bye';
      const child = rt.spawnLines({ argv: ["sh", "-c", script], cwd: dir, env: ENV });
      child.send("abc");
      assert.equal(await child.receive(), "3:abc");
      child.send("a line with spaces");
      child.send("");
      assert.equal(await child.receive(), "18:a line with spaces");
      assert.equal(await child.receive(), "0:");
      child.end();
      assert.equal(await child.receive(), "bye");
      assert.equal(await child.receive(), null);
      assert.deepEqual(await child.done, { exitCode: 0, signal: null });
      child.send("after the end is not an error");
    });
  });

  test("spawnLines() sends stderr to stderrFile and the given env only", async () => {
    await inTempDir(async (dir) => {
      const stderrFile = join(dir, "err");
      const child = rt.spawnLines({ argv: ["sh", "-c", 'echo "oops $X" >&2; read -r l; echo "got $l ${HOME:-no-home}"'], cwd: dir, env: { ...ENV, X: "1" }, stderrFile });
      child.send("it");
      assert.equal(await child.receive(), "got it no-home");
      await child.done;
      assert.equal(read(stderrFile), "oops 1\n");
    });
  });

  test("spawnLines() kill() ends the group: receive() gives null", async () => {
    await inTempDir(async (dir) => {
      const child = rt.spawnLines({ argv: ["sh", "-c", "sleep 30 & echo $!; wait"], cwd: dir, env: ENV });
      const pid = Number(await child.receive());
      child.kill("SIGKILL");
      assert.equal(await child.receive(), null);
      assert.deepEqual(await child.done, { exitCode: null, signal: "SIGKILL" });
      await waitFor(`background sleep ${pid} to die`, () => !isRunning(pid), 2000);
    });
  });

  test("signalGroup() signals every process of a group; a gone group is not an error", async () => {
    await inTempDir(async (dir) => {
      const child = rt.spawnLines({ argv: ["sh", "-c", "sleep 30 & echo $!; wait"], cwd: dir, env: ENV });
      const pid = Number(await child.receive());
      rt.signalGroup(child.pid, "SIGTERM");
      assert.deepEqual(await child.done, { exitCode: null, signal: "SIGTERM" });
      await waitFor(`background sleep ${pid} to die`, () => !isRunning(pid), 2000);
      rt.signalGroup(child.pid, "SIGTERM");
    });
  });

  test("spawnLines() throws ENOENT at once for a command not on the child's PATH", async () => {
    assert.throws(() => rt.spawnLines({ argv: ["calf-no-such-command"], cwd: tmpdir(), env: ENV }), { code: "ENOENT" });
  });

  // --- FIFOs -----------------------------------------------------------------

  test("mkfifo() creates a FIFO with mode 0600 and throws EEXIST the second time", async () => {
    await inTempDir(async (dir) => {
      const path = join(dir, "f");
      rt.mkfifo(path);
      const st = statSync(path);
      assert.ok(st.isFIFO());
      assert.equal(st.mode & 0o777, 0o600);
      assert.throws(() => rt.mkfifo(path), {
        name: "Error", code: "EEXIST", syscall: "mkfifo", message: `mkfifo "${path}": File exists (EEXIST)`,
      });
      assert.throws(() => rt.mkfifo(join(dir, "missing", "f")), { code: "ENOENT" });
    });
  });

  // The reader side of a spout: read() returns 0 bytes (EOF) when the last writer
  // closes, and a blocking open() waits for the next writer (fifo(7), pipe(7)).
  async function readToEof(fh: FileHandle): Promise<string> {
    let text = "";
    const buf = new Uint8Array(4096);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length);
      if (bytesRead === 0) return text; // EOF: no writer left
      text += new TextDecoder().decode(buf.subarray(0, bytesRead));
    }
  }

  async function readFifoSession(fifo: string): Promise<string> {
    const fh = await open(fifo, "r"); // blocks (in the thread pool, not the event loop) until a writer opens
    try {
      return await readToEof(fh);
    } finally {
      await fh.close();
    }
  }

  // One string per EOF until `bytes` have arrived. The next read end is opened BEFORE
  // the current one is closed: a writer that opens in between "EOF" and "close" finds
  // a reader, writes into the pipe and exits 0 — and with no reader left after our
  // close the kernel frees the pipe and those bytes are gone (seen on Bun and Deno).
  async function readFifoSessions(fifo: string, bytes: number): Promise<string[]> {
    const sessions: string[] = [];
    let fh = await open(fifo, "r");
    for (;;) {
      sessions.push(await readToEof(fh));
      if (sessions.join("").length >= bytes) break;
      const next = await open(fifo, "r"); // returns once the next writer has opened
      await fh.close();
      fh = next;
    }
    await fh.close();
    return sessions;
  }

  test("a FIFO read to EOF and reopened before close gets every byte of successive writers", async () => {
    await inTempDir(async (dir) => {
      const fifo = join(dir, "fifo");
      rt.mkfifo(fifo);
      const writer = rt.spawn({ argv: ["sh", "-c", `printf abc > "$1"; printf def > "$1"`, "sh", fifo], cwd: dir, env: ENV });
      // When the second `>` opens before the reader has seen EOF, both land in one
      // session: EOF marks "no writer right now", never a message boundary.
      const sessions = await readFifoSessions(fifo, 6);
      assert.equal(sessions.join(""), "abcdef");
      assert.ok(sessions.length <= 2, `sessions: ${JSON.stringify(sessions)}`);
      assert.equal((await writer.done).exitCode, 0);
    });
  });

  test("syncfs() flushes the filesystem of a folder and reports a missing path", async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, "f"), "data");
      rt.syncfs(dir);
      assert.throws(() => rt.syncfs(join(dir, "missing")), { code: "ENOENT" });
    });
  });

  test("watchFifo() hands on what writers write, never sees end of file between them, and keeps the file-system pool free", async () => {
    await inTempDir(async (dir) => {
      const fifos = [0, 1, 2, 3, 4].map((i) => join(dir, `f${i}`));
      const got: string[] = [];
      const watches = fifos.map((f, i) => {
        rt.mkfifo(f);
        return rt.watchFifo(f, (chunk) => void got.push(`${i}:${new TextDecoder().decode(chunk)}`));
      });
      try {
        // Five pending watches: a runtime that read them on its thread pool would starve this read.
        assert.equal(await open(join(dir, "f0"), "r").then(async (h: FileHandle) => (await h.close(), "opened")), "opened");
        writeFileSync(join(dir, "plain"), "x");
        assert.equal(readFileSync(join(dir, "plain"), "utf8"), "x");
        const writer = rt.spawn({ argv: ["sh", "-c", 'echo one > "$1"; echo two > "$1"', "sh", fifos[2]!], cwd: dir, env: ENV });
        assert.equal((await writer.done).exitCode, 0);
        for (let i = 0; i < 200 && got.join("") !== "2:one\n2:two\n" && got.join("") !== "2:one\ntwo\n"; i++) await new Promise((r) => setTimeout(r, 5));
        assert.equal(got.map((g) => g.slice(2)).join(""), "one\ntwo\n");
        assert.ok(got.every((g) => g.startsWith("2:")));
      } finally {
        for (const w of watches) w.close();
      }
      // Closed (soon: the pending read lets go first): a writer can no longer open it without blocking, no reader is left.
      const readerLeft = () => {
        try {
          closeSync(openSync(fifos[2]!, constants.O_WRONLY | constants.O_NONBLOCK));
          return true;
        } catch (err) {
          if ((err as { code?: string }).code !== "ENXIO") throw err;
          return false;
        }
      };
      for (let i = 0; i < 200 && readerLeft(); i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(readerLeft(), false);
    });
  });

  test("setPipeSize() grows a FIFO's buffer, rounded up to a power of two pages, and refuses a regular file", async () => {
    await inTempDir(async (dir) => {
      const fifo = join(dir, "fifo");
      rt.mkfifo(fifo);
      const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        assert.equal(rt.setPipeSize(fd, 1 << 20), 1 << 20);
        assert.equal(rt.setPipeSize(fd, 200_000), 256 * 1024);
        // A writer can now put 200 000 bytes in without a reader (64 KiB by default).
        const w = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        try {
          assert.equal(writeSync(w, new Uint8Array(200_000)), 200_000);
        } finally {
          closeSync(w);
        }
      } finally {
        closeSync(fd);
      }
      writeFileSync(join(dir, "f"), "data");
      const file = openSync(join(dir, "f"), "r");
      try {
        assert.throws(() => rt.setPipeSize(file, 1 << 20), { name: "Error", code: "EBADF", syscall: "fcntl" });
      } finally {
        closeSync(file);
      }
    });
  });

  test("a FIFO reader that reopens before closing loses nothing across 300 writer opens", async () => {
    await inTempDir(async (dir) => {
      const fifo = join(dir, "fifo");
      rt.mkfifo(fifo);
      const script = `i=0; while [ $i -lt 300 ]; do printf x > "$1"; i=$((i+1)); done`;
      const writer = rt.spawn({ argv: ["sh", "-c", script, "sh", fifo], cwd: dir, env: ENV });
      const reading = readFifoSessions(fifo, 300);
      assert.equal((await writer.done).exitCode, 0);
      // The last writer may have come and gone between an EOF and the next open():
      // its bytes wait in the pipe, and the open() waits for a writer that never
      // comes. Release it the way a spout reader is released when its process exits.
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch (err) {
        if ((err as { code?: string }).code !== "ENXIO") throw err; // no reader left: it is done
      }
      const sessions = await reading;
      assert.equal(sessions.join(""), "x".repeat(300));
    });
  }, 20_000);

  test("a FIFO reader gets EOF when its writer exits, and a reopen waits for the next writer", async () => {
    await inTempDir(async (dir) => {
      const fifo = join(dir, "fifo");
      rt.mkfifo(fifo);
      const write = (text: string) => rt.spawn({ argv: ["sh", "-c", `printf ${text} > "$1"`, "sh", fifo], cwd: dir, env: ENV });
      const first = write("abc");
      assert.equal(await readFifoSession(fifo), "abc");
      await first.done;
      const second = readFifoSession(fifo); // pending: nobody has the write end open
      await new Promise((r) => setTimeout(r, 100));
      await write("def").done;
      assert.equal(await second, "def");
    });
  });

  test("a pending FIFO open() returns (then EOF) once we open the write end O_NONBLOCK", async () => {
    await inTempDir(async (dir) => {
      const fifo = join(dir, "fifo");
      rt.mkfifo(fifo);
      // No reader yet: a non-blocking writer open fails with ENXIO (fifo(7)).
      assert.throws(() => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK), { code: "ENXIO" });
      const pending = readFifoSession(fifo);
      await new Promise((r) => setTimeout(r, 100));
      // How a spout reader is told to stop when the spout process is gone.
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      assert.equal(await pending, "");
    });
  });

  // --- locks -----------------------------------------------------------------

  const spawnHelper = (dir: string, args: string[]) => {
    const outputFile = join(dir, `helper-${args[0]}.out`);
    const child = rt.spawn({ argv: [...host.helperArgv, ...args], cwd: dir, env: { ...ENV, HOME: process.env.HOME ?? dir }, outputFile });
    return { child, output: () => read(outputFile) };
  };

  // --- orphans ---------------------------------------------------------------

  test("becomeSubreaper() adopts a setsid'd grandchild; adoptedChildren() lists it (not spawned children); reap() collects it", async () => {
    await inTempDir(async (dir) => {
      const h = spawnHelper(dir, ["orphans"]);
      assert.equal((await h.child.done).exitCode, 0, h.output());
      assert.deepEqual(JSON.parse(h.output()), { subreaper: true, adopted: 1, spawnedListed: false, reaped: true, left: 0 });
    });
  }, 30_000);

  test("tryLock() writes our pid; another process cannot take the lock until release()", async () => {
    await inTempDir(async (dir) => {
      const path = join(dir, "lock");
      const lock = rt.tryLock(path);
      assert.ok(lock);
      assert.equal(read(path), `${process.pid}\n`);
      const busy = spawnHelper(dir, ["lock", path]);
      assert.equal((await busy.child.done).exitCode, 3, busy.output());
      assert.equal(busy.output(), "busy\n");
      lock.release();
      lock.release(); // harmless twice
      const again = rt.tryLock(path);
      assert.ok(again);
      again.release();
    });
  }, 30_000);

  test("tryLock() returns null while another process holds it, and succeeds once that holder is SIGKILLed", async () => {
    await inTempDir(async (dir) => {
      const path = join(dir, "lock");
      const holder = spawnHelper(dir, ["lock", path]);
      await waitFor("the helper to take the lock", () => holder.output() === "locked\n", 20_000);
      assert.equal(rt.tryLock(path), null);
      assert.equal(read(path), `${holder.child.pid}\n`);
      holder.child.kill("SIGKILL");
      assert.equal((await holder.child.done).signal, "SIGKILL");
      const lock = rt.tryLock(path);
      assert.ok(lock);
      lock.release();
    });
  }, 30_000);

  // --- the rest ----------------------------------------------------------------

  test("args() returns the arguments after the script", async () => {
    await inTempDir(async (dir) => {
      const helper = spawnHelper(dir, ["args", "a b", "--x", ""]);
      assert.equal((await helper.child.done).exitCode, 0, helper.output());
      assert.deepEqual(JSON.parse(helper.output()), ["args", "a b", "--x", ""]);
    });
  }, 30_000);

  test("serve() on port 0 reports the real port and answers fetch", async () => {
    const server = await rt.serve({
      hostname: "127.0.0.1", port: 0,
      fetch: (req) => new Response(`pong ${req.method} ${new URL(req.url).pathname}`),
    });
    try {
      assert.ok(server.port > 0);
      assert.equal(server.hostname, "127.0.0.1");
      const res = await fetch(`http://127.0.0.1:${server.port}/x/y`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "pong GET /x/y");
    } finally {
      await server.stop();
    }
  });

  test("serve() hands a request body of any size to the app as a stream (limits are the app's: Bun's own default is 128 MiB)", async () => {
    const size = 160 * 1024 * 1024;
    const server = await rt.serve({
      hostname: "127.0.0.1", port: 0,
      fetch: async (req) => {
        let n = 0;
        for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) n += chunk.byteLength;
        return new Response(String(n));
      },
    });
    try {
      const chunk = new Uint8Array(1024 * 1024);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= size) return c.close();
          sent += chunk.byteLength;
          c.enqueue(chunk);
        },
      });
      const res = await fetch(`http://127.0.0.1:${server.port}/big`, { method: "PUT", body, headers: { "Content-Length": String(size) }, duplex: "half" } as RequestInit);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), String(size));
    } finally {
      await server.stop();
    }
  }, 60_000);

  test("serve() rejects with EADDRINUSE when the port is taken", async () => {
    const first = await rt.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("1") });
    try {
      await assert.rejects(rt.serve({ hostname: "127.0.0.1", port: first.port, fetch: () => new Response("2") }), {
        name: "Error", code: "EADDRINUSE", message: `listen "127.0.0.1:${first.port}": address already in use (EADDRINUSE)`,
      });
    } finally {
      await first.stop();
    }
  });

  test("sha256() hashes strings and bytes to lowercase hex", async () => {
    const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert.equal(rt.sha256("abc"), abc);
    assert.equal(rt.sha256(new TextEncoder().encode("abc")), abc);
    assert.equal(rt.sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test("sha256Hasher() digests chunks like sha256() digests the whole", async () => {
    const hasher = rt.sha256Hasher();
    hasher.update("a");
    hasher.update(new TextEncoder().encode("b"));
    hasher.update("c");
    assert.equal(hasher.digest(), rt.sha256("abc"));
    const big = new Uint8Array(3 << 20).map((_, i) => i % 251);
    const chunked = rt.sha256Hasher();
    for (let i = 0; i < big.length; i += 65536) chunked.update(big.subarray(i, i + 65536));
    assert.equal(chunked.digest(), rt.sha256(big));
  });

  test("onSignal() calls the handler for SIGHUP until unsubscribed", async () => {
    let calls = 0;
    const off = rt.onSignal("SIGHUP", () => calls++);
    try {
      process.kill(process.pid, "SIGHUP");
      await waitFor("the SIGHUP handler", () => calls === 1, 2000);
    } finally {
      off();
    }
  });

  return cases;
}
