// Command-line parsing: global flags (before or after the command), the
// command's own words, flags and positionals. Pure: argv in, Parsed out.
import { usageError } from "../errors.ts";

export type FlagKind = "bool" | "string" | "list";

export interface CommandDef {
  words: string[];
  flags: Record<string, FlagKind>;
  /** Short flag aliases: "-r" -> "recursive". */
  aliases?: Record<string, string>;
  usage: string;
  summary: string;
  minArgs?: number;
  maxArgs?: number;
}

export interface Parsed {
  command: CommandDef | null;
  args: string[];
  flags: Record<string, string | boolean | string[]>;
}

export const GLOBAL_FLAGS: Record<string, FlagKind> = {
  "data-dir": "string",
  pipelines: "string",
  db: "string",
  output: "string",
  quiet: "bool",
  help: "bool",
  version: "bool",
};
const GLOBAL_ALIASES: Record<string, string> = { "-o": "output", "-h": "help", "-q": "quiet" };

export function parseArgs(argv: string[], commands: CommandDef[]): Parsed {
  const flags: Parsed["flags"] = {};
  let i = 0;
  // Leading global flags.
  while (i < argv.length && argv[i]!.startsWith("-")) i = takeFlag(argv, i, GLOBAL_FLAGS, GLOBAL_ALIASES, flags);
  const rest = argv.slice(i);
  const command = matchCommand(rest, commands);
  if (!command) {
    if (rest.length === 0) return { command: null, args: [], flags };
    const words = rest.filter((w) => !w.startsWith("-")).slice(0, 2).join(" ");
    throw usageError(`unknown command "${words}"`, "run calf --help to list the commands");
  }
  const specFlags = { ...GLOBAL_FLAGS, ...command.flags };
  const aliases = { ...GLOBAL_ALIASES, ...(command.aliases ?? {}) };
  const args: string[] = [];
  let j = command.words.length;
  while (j < rest.length) {
    const tok = rest[j]!;
    if (tok === "--") {
      args.push(...rest.slice(j + 1));
      break;
    }
    if (tok.startsWith("-") && tok !== "-") j = takeFlag(rest, j, specFlags, aliases, flags);
    else {
      args.push(tok);
      j++;
    }
  }
  if (!flags.help) {
    if (command.minArgs !== undefined && args.length < command.minArgs) {
      throw usageError(`${command.words.join(" ")}: missing argument`, `usage: calf ${command.usage}`);
    }
    if (command.maxArgs !== undefined && args.length > command.maxArgs) {
      throw usageError(`${command.words.join(" ")}: unexpected argument "${args[command.maxArgs]}"`, `usage: calf ${command.usage}`);
    }
  }
  return { command, args, flags };
}

function matchCommand(rest: string[], commands: CommandDef[]): CommandDef | null {
  let best: CommandDef | null = null;
  for (const c of commands) {
    if (c.words.every((w, k) => rest[k] === w) && (!best || c.words.length > best.words.length)) best = c;
  }
  return best;
}

function takeFlag(
  argv: string[],
  i: number,
  spec: Record<string, FlagKind>,
  aliases: Record<string, string>,
  out: Parsed["flags"],
): number {
  const tok = argv[i]!;
  let name: string;
  let inline: string | undefined;
  if (tok.startsWith("--")) {
    const eq = tok.indexOf("=");
    name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
    inline = eq < 0 ? undefined : tok.slice(eq + 1);
  } else {
    const alias = aliases[tok];
    if (!alias) throw usageError(`unknown flag "${tok}"`, "run calf COMMAND --help to list its flags");
    name = alias;
  }
  const kind = spec[name];
  if (!kind) throw usageError(`unknown flag "--${name}"`, "run calf COMMAND --help to list its flags");
  if (kind === "bool") {
    out[name] = inline === undefined ? true : !/^(false|0|no)$/i.test(inline);
    return i + 1;
  }
  let value = inline;
  let next = i + 1;
  if (value === undefined) {
    if (next >= argv.length) throw usageError(`flag "${tok}" needs a value`);
    value = argv[next++]!;
  }
  if (kind === "list") out[name] = [...((out[name] as string[]) ?? []), value];
  else out[name] = value;
  return next;
}

export function str(flags: Parsed["flags"], name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

export function bool(flags: Parsed["flags"], name: string): boolean {
  return flags[name] === true;
}

export function int(flags: Parsed["flags"], name: string): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw usageError(`--${name} takes a whole number, got "${v}"`);
  return Number(v);
}
