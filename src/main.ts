// Composition root: the only place that reads argv and the environment and
// exits. Parses the command line, opens the data dir as the command needs,
// runs the command, and maps errors to one stderr line and an exit code.
import { loadRuntime } from "../runtime/index.ts";
import { openApp, resolveSettings } from "./app.ts";
import { parseArgs, str, bool, type Parsed } from "./cli/args.ts";
import type { Command } from "./cli/command.ts";
import { dataCommands } from "./cli/data.ts";
import { jobCommands } from "./cli/jobs.ts";
import { pipelineCommands } from "./cli/pipelines.ts";
import type { Out } from "./cli/output.ts";
import { CalfError, exitCodeOf, usageError } from "./errors.ts";
import { VERSION } from "./version.ts";

export const commands: Command[] = [...dataCommands, ...pipelineCommands, ...jobCommands];

function makeOut(flags: Parsed["flags"]): Out {
  const fmt = str(flags, "output");
  return {
    json: fmt === "json",
    quiet: bool(flags, "quiet"),
    write: (t) => void process.stdout.write(t),
    info: (t) => {
      if (!bool(flags, "quiet")) process.stderr.write(t + "\n");
    },
    warn: (t) => void process.stderr.write(t + "\n"),
  };
}

function helpText(cmd?: Command): string {
  if (cmd) {
    const flags = Object.keys(cmd.flags).map((f) => `--${f}`).join(" ");
    return `usage: calf ${cmd.usage}\n\n${cmd.summary}\n${flags ? `\nflags: ${flags}\n` : ""}`;
  }
  const w = Math.max(...commands.map((c) => c.usage.length));
  return [
    `calf ${VERSION}: Pachyderm-style data pipelines on one machine`,
    "",
    "usage: calf COMMAND [args] [--data-dir DIR] [--pipelines DIR] [--db URL] [-o json|text] [--quiet]",
    "",
    ...commands.map((c) => `  ${c.usage.padEnd(w)}  ${c.summary}`),
    "",
  ].join("\n");
}

async function main(): Promise<number> {
  const rt = await loadRuntime();
  let parsed: Parsed;
  try {
    parsed = parseArgs(rt.args(), commands);
  } catch (err) {
    return report(err);
  }
  const { command, flags } = parsed;
  if (bool(flags, "version") && !command) {
    process.stdout.write(`calf ${VERSION}\n`);
    return 0;
  }
  if (bool(flags, "help") || !command) {
    process.stdout.write(helpText(command as Command | undefined));
    return command || bool(flags, "help") ? 0 : 2;
  }
  const fmt = str(flags, "output");
  const cmd = command as Command;
  const isGetFile = cmd.words.join(" ") === "get file";
  if (fmt && fmt !== "json" && fmt !== "text" && !isGetFile) return report(usageError(`-o takes json or text, got "${fmt}"`));
  const settings = resolveSettings({ dataDir: str(flags, "data-dir"), pipelines: str(flags, "pipelines"), db: str(flags, "db") }, process.env, process.cwd());
  const out = makeOut(flags);
  if (cmd.mode === "none") {
    try {
      return await cmd.run(null as never, parsed);
    } catch (err) {
      return report(err);
    }
  }
  let app;
  try {
    app = await openApp(rt, settings, out, { write: cmd.mode === "write" });
  } catch (err) {
    return report(err);
  }
  try {
    return await cmd.run(app, parsed);
  } catch (err) {
    return report(err);
  } finally {
    app.close();
  }
}

function report(err: unknown): number {
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
