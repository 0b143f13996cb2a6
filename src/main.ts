// Composition root: the only place that reads argv and the environment and
// exits. Parses the command line, opens the data dir as the command needs,
// runs the command, and maps errors to one stderr line and an exit code.
import { loadRuntime } from "../runtime/index.ts";
import { openApp, resolveSettings, type App } from "./app.ts";
import { parseArgs, str, bool, type Parsed } from "./cli/args.ts";
import type { Command, Context } from "./cli/command.ts";
import { commands } from "./cli/commands.ts";
import { missingData } from "./cli/datadir.ts";
import { commandHelp, overviewHelp, topicHelp } from "./cli/help.ts";
import type { Out } from "./cli/output.ts";
import { armCrash } from "./crash.ts";
import { CalfError, diskFull, exitCodeOf, isDiskFull, usageError } from "./errors.ts";
import { timerSleep, type Host } from "./host.ts";
import { openStore, storeEnvFrom } from "./store/open.ts";
import { VERSION, versionLine } from "./version.ts";

/** Set once stdout's reader has gone away (`calf plan | head`): later output is dropped. */
let stdoutGone = false;

function makeOut(flags: Parsed["flags"]): Out {
  const fmt = str(flags, "output");
  return {
    json: fmt === "json",
    quiet: bool(flags, "quiet"),
    tty: !!process.stdout.isTTY,
    write: (t) => {
      if (!stdoutGone) process.stdout.write(t);
    },
    info: (t) => {
      if (!bool(flags, "quiet")) process.stderr.write(t + "\n");
    },
    warn: (t) => void process.stderr.write(t + "\n"),
    stderr: { write: (t) => void process.stderr.write(t), tty: !!process.stderr.isTTY, columns: () => process.stderr.columns ?? 80 },
  };
}

const isEpipe = (err: unknown) => (err as { code?: string } | null)?.code === "EPIPE";

/**
 * A closed stdout is the reader's choice, not a failure (`calf list datum J | head`):
 * no stack trace, exit 0. A command that only reads stops at once; one that
 * writes finishes its change with its output dropped.
 */
function onClosedOutput(readOnly: () => boolean): void {
  const handle = (err: unknown) => {
    if (!isEpipe(err)) throw err;
    stdoutGone = true;
    if (readOnly()) process.exit(0);
  };
  process.stdout.on("error", handle);
  process.stderr.on("error", (err) => {
    if (!isEpipe(err)) throw err;
  });
}

async function main(): Promise<number> {
  let cmd: Command | null = null;
  onClosedOutput(() => cmd === null || cmd.mode === "read" || cmd.mode === "none");
  const rt = await loadRuntime();
  // The crash-point suite's switch (src/crash.ts), read once here; unset, every crashPoint() is a no-op.
  const badCrash = armCrash(process.env.CALF_CRASH_AT);
  if (badCrash) return report("", usageError(badCrash));
  let parsed: Parsed;
  try {
    parsed = parseArgs(rt.args(), commands);
  } catch (err) {
    return report("", err);
  }
  const { flags } = parsed;
  cmd = parsed.command as Command | null;
  // What a failure is about, for errors that do not say it themselves (disk full): "put file r@master:/x".
  const what = cmd ? [...cmd.words, ...parsed.args].join(" ") : "";
  if (bool(flags, "help")) {
    process.stdout.write(parsed.topic ? topicHelp(parsed.topic[0]!, commands) : cmd ? commandHelp(cmd) : overviewHelp(commands, VERSION));
    return 0;
  }
  if (bool(flags, "version")) {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (!cmd) {
    process.stderr.write(overviewHelp(commands, VERSION));
    return 2;
  }
  const fmt = str(flags, "output");
  // A command that gives -o a meaning of its own (get file -o FILE) checks it itself.
  if (fmt && fmt !== "json" && fmt !== "text" && !cmd.flagHelp?.output) return report(what, usageError(`-o takes json or text, got "${fmt}"`));
  const host: Host = {
    env: { ...process.env }, cwd: process.cwd(), cpus: navigator.hardwareConcurrency ?? 2,
    clock: { now: () => new Date(), sleep: timerSleep }, self: selfCommand(rt.name),
  };
  const cwd = host.cwd;
  const settings = resolveSettings({ dataDir: str(flags, "data-dir"), pipelines: str(flags, "pipelines"), db: str(flags, "db"), store: str(flags, "store") }, host.env, cwd);
  const out = makeOut(flags);
  // Built only when the data dir is opened: a bad --store fails the commands that use it, not `calf lint`.
  const store = () => openStore(settings.storeUrl, { env: storeEnvFrom(host.env), dataDir: settings.dataDir, cwd, rt, clock: host.clock });
  if (cmd.mode === "none") {
    const opened: App[] = [];
    const ctx = {
      rt, settings, out, env: host.env, cwd, commands, now: host.clock.now, host,
      async openData(opts?: { create: true }) {
        if (!opts?.create && missingData(settings, cwd)) return null;
        const app = await openApp(rt, settings, out, host, { write: !!opts?.create, store: store() });
        opened.push(app);
        return app;
      },
    } as Context;
    try {
      return await cmd.run(ctx, parsed);
    } catch (err) {
      return report(what, err);
    } finally {
      for (const a of opened) a.close();
    }
  }
  const missing = cmd.mode !== "read" && cmd.createsData ? null : missingData(settings, cwd);
  if (missing) return report(what, missing);
  let app;
  try {
    app = await openApp(rt, settings, out, host, { write: cmd.mode !== "read", runner: cmd.mode === "runner", store: store() });
  } catch (err) {
    return report(what, err);
  }
  try {
    return await cmd.run(app, parsed);
  } catch (err) {
    return report(what, err);
  } finally {
    app.close();
  }
}

/** This calf as a command line: the compiled binary alone, or the runtime with the script (`bun src/main.ts`, `deno run -A src/main.ts`). */
function selfCommand(runtime: "bun" | "deno"): string[] {
  const script = process.argv[1] ?? "";
  const compiled = !/\.[cm]?[jt]s$/.test(script) || script.startsWith("/$bunfs/");
  if (compiled) return [process.execPath];
  return runtime === "deno" ? [process.execPath, "run", "-A", script] : [process.execPath, script];
}

function report(what: string, err: unknown): number {
  // The reader of stdout went away mid-stream (get file | head -c1): not an error.
  const code = (err as { code?: string } | null)?.code;
  if (isEpipe(err) || (stdoutGone && (code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_PREMATURE_CLOSE"))) return 0;
  // A full disk (ENOSPC) or database (SQLITE_FULL) is the user's to fix, not calf's bug: say what failed.
  if (!(err instanceof CalfError) && isDiskFull(err)) err = diskFull(what || "calf", err);
  if (err instanceof CalfError) {
    process.stderr.write(`calf: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
  } else {
    const e = err as Error;
    process.stderr.write(`calf: internal error: ${e?.message ?? String(err)}\n`);
    if (process.env.CALF_DEBUG) process.stderr.write(`${e?.stack}\n`);
  }
  return exitCodeOf(err);
}

const code = await main();
// No process.exit(): it does not wait for stdout, and a big listing piped to a
// slow reader was cut short. The process ends when its work (and stdout) is done.
process.exitCode = code;
