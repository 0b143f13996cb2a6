// Test helper: the CLI from outside (calf as a subprocess, from source, in a
// private folder) and from inside (a command of the table by name, typed).
import { afterEach } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { commands } from "../../src/cli/commands.ts";
import type { BareCommand, DataCommand } from "../../src/cli/command.ts";
import { removeDir, tempDir } from "./tmp.ts";

export const ROOT = path.resolve(import.meta.dir, "../..");
export const MAIN = path.join(ROOT, "src/main.ts");

/** HOME of the calf processes (Bun keeps a cache there): one private folder per test file, removed at exit. */
let home: string | undefined;
function homeDir(): string {
  if (!home) {
    home = tempDir("calf-home-");
    const h = home;
    process.on("exit", () => removeDir(h));
  }
  fs.mkdirSync(home, { recursive: true });
  return home;
}

/** A read/write command of the table, by its words ("list datum"). */
export function dataCommand(name: string): DataCommand {
  const c = commands.find((x) => x.words.join(" ") === name);
  if (!c || c.mode === "none") throw new Error(`no read/write command "${name}"`);
  return c;
}

/** A command that needs no data dir, by its words ("lint"). */
export function bareCommand(name: string): BareCommand {
  const c = commands.find((x) => x.words.join(" ") === name);
  if (!c || c.mode !== "none") throw new Error(`no data-less command "${name}"`);
  return c;
}

export interface CalfResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `calf ARGS` from source (Bun), in `cwd`, with an environment holding only
 * PATH, HOME, TMPDIR and `env` (no CALF_* of the caller's leaks in).
 */
export function calf(args: string[], opts: { cwd: string; env?: Record<string, string>; input?: string; timeout?: number }): CalfResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: homeDir(), TMPDIR: process.env.TMPDIR ?? "/tmp", CALF_SANDBOX: "none", ...opts.env },
    input: opts.input,
    encoding: "utf8",
    timeout: opts.timeout ?? 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A shell line run in `cwd` with `$CALF` naming calf from source (for pipes: `$CALF plan | head -c1`). */
export function sh(line: string, opts: { cwd: string; env?: Record<string, string>; timeout?: number }): CalfResult {
  const r = spawnSync("/bin/bash", ["-c", line], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: homeDir(), TMPDIR: process.env.TMPDIR ?? "/tmp", CALF_SANDBOX: "none", CALF: `${process.execPath} ${MAIN}`, ...opts.env },
    encoding: "utf8",
    timeout: opts.timeout ?? 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A calf process that keeps running (serve, run): its output so far, a wait for a line, signals. */
export interface Running {
  proc: ReturnType<typeof spawn>;
  output(): string;
  /** Resolves with the first match of `re` in the output (rejects after `ms`). */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** `calf ARGS` from source in the background (stdout and stderr together), as calf() runs it. */
export function calfBackground(args: string[], opts: { cwd: string; env?: Record<string, string> }): Running {
  const proc = spawn(process.execPath, [MAIN, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: homeDir(), TMPDIR: process.env.TMPDIR ?? "/tmp", CALF_SANDBOX: "none", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const waiters: (() => void)[] = [];
  const take = (b: Buffer) => {
    out += b.toString();
    waiters.splice(0).forEach((w) => w());
  };
  proc.stdout!.on("data", take);
  proc.stderr!.on("data", take);
  const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
  return {
    proc,
    output: () => out,
    exited,
    waitFor(re, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${re} in:\n${out}`)), ms);
        const check = () => {
          const m = out.match(re);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

/**
 * The background calf processes and temp folders of a test file: whatever a
 * test pushes is SIGKILLed (stopped ones too) and removed after it.
 */
export function useBackground(): { procs: Running[]; dirs: string[] } {
  const procs: Running[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      p.proc.kill("SIGCONT");
      p.proc.kill("SIGKILL");
      await p.exited;
    }
    dirs.splice(0).forEach(removeDir);
  });
  return { procs, dirs };
}
