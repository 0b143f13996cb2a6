// Process-group supervision shared by both spawn adapters: a final SIGKILL of the
// group once the leader exits so no descendant outlives its job, and the list of
// children the runtime did not spawn (adopted orphans). Uses only node:process (kill(2)
// with a negative pid signals the group; see kill(2)). Private to runtime/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import process from "node:process";
import { systemError } from "./_libc.ts";
import type { Child, SpawnResult } from "./types.ts";

type Sig = "SIGTERM" | "SIGKILL" | "SIGINT";

/** Signal process group `pgid`; a group that is already gone (ESRCH) is not an error. */
export function killGroup(pgid: number, signal: Sig): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as { code?: string }).code !== "ESRCH") throw err;
  }
}

/** Children this process started through the runtime and has not yet seen exit. */
const spawned = new Set<number>();

/**
 * This process's children that the runtime did not start: descendants of
 * transforms adopted after their parents died (we are a child subreaper).
 * Read from /proc/self/task/<tid>/children (a child is listed under the thread that forked it).
 */
export function adoptedChildren(): { pid: number; zombie: boolean }[] {
  const out: { pid: number; zombie: boolean }[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    return out;
  }
  for (const tid of tasks) {
    let list = "";
    try {
      list = readFileSync(`/proc/self/task/${tid}/children`, "utf8");
    } catch { /* the thread ended */ }
    for (const w of list.split(" ")) {
      const pid = Number(w);
      if (!w || spawned.has(pid)) continue;
      let zombie = false;
      try {
        zombie = /^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
      } catch { /* gone meanwhile */ }
      out.push({ pid, zombie });
    }
  }
  return out;
}

/**
 * Wrap a started group leader. `exited` settles with the leader's own exit status;
 * the returned `done` settles after the group has been SIGKILLed. Timeouts and
 * stop policies are the caller's (src/transform/stop.ts).
 */
export function superviseGroup(pid: number, exited: Promise<{ exitCode: number | null; signal: string | null }>): Child {
  spawned.add(pid);
  let finished = false;
  const done = exited.then(({ exitCode, signal }): SpawnResult => {
    spawned.delete(pid);
    // The leader is gone but e.g. `sleep 30 &` may still run in its group. Best
    // effort: EPERM (only setuid members left) must not turn a result into an error.
    try {
      killGroup(pid, "SIGKILL");
    } catch { /* nothing left that we may signal */ }
    finished = true;
    return { exitCode, signal };
  });
  // After `done` the group id may be reused by an unrelated process: never signal it.
  const kill = (signal: Sig = "SIGTERM") => {
    if (!finished) killGroup(pid, signal);
  };
  return { pid, done, kill };
}

/** Both runtimes blame argv[0] for a missing cwd: check it first and say so. */
export function checkCwd(cwd: string): void {
  const st = statSync(cwd, { throwIfNoEntry: false });
  if (!st) throw systemError("spawn", cwd, "ENOENT", "working directory does not exist");
  if (!st.isDirectory()) throw systemError("spawn", cwd, "ENOTDIR", "working directory is not a directory");
}

/** The one error shape for "argv[0] could not be started", whichever runtime saw it. */
export function startError(argv0: string, code: string): Error {
  const why = code === "ENOENT"
    ? (argv0.includes("/") ? "no such file" : "not found in the child's $PATH")
    : code === "EACCES" ? "permission denied (not executable?)" : "cannot be started";
  return systemError("spawn", argv0, code, why);
}

/** A taken port reads the same on both runtimes; other bind errors pass through. */
export function listenError(err: unknown, hostname: string, port: number): unknown {
  if ((err as { code?: string }).code !== "EADDRINUSE") return err;
  return systemError("listen", `${hostname}:${port}`, "EADDRINUSE", "address already in use");
}
