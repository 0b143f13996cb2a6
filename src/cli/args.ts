// Command-line parsing: global flags (before or after the command), the
// command's own words, flags and positionals, and "did you mean" for a
// mistyped command or flag. Pure: argv in, Parsed out.
import { usageError } from "../errors.ts";
import { suggest } from "../spec/suggest.ts";

export type FlagKind = "bool" | "string" | "list";

export interface CommandDef {
  words: string[];
  flags: Record<string, FlagKind>;
  /** Short flag aliases: "-r" -> "recursive". */
  aliases?: Record<string, string>;
  usage: string;
  summary: string;
  /**
   * One line per flag (help pages, completion): a value-taking flag starts
   * with its placeholder, `"N: show at most N commits"`. May also re-describe
   * a global flag for this command (`output` on `get file`).
   */
  flagHelp?: Record<string, string>;
  /** Example lines, each `calf ...` optionally followed by `  # what it does`. */
  examples?: string[];
  /** Paragraphs shown under the usage line. */
  details?: string;
  minArgs?: number;
  maxArgs?: number;
}

export interface Parsed {
  command: CommandDef | null;
  args: string[];
  flags: Record<string, string | boolean | string[]>;
  /** `calf list --help`: the verb whose commands to list (no command matched). */
  topic?: string[];
}

export const GLOBAL_FLAGS: Record<string, FlagKind> = {
  "data-dir": "string",
  pipelines: "string",
  db: "string",
  store: "string",
  output: "string",
  quiet: "bool",
  help: "bool",
  version: "bool",
};
export const GLOBAL_ALIASES: Record<string, string> = { "-o": "output", "-h": "help", "-q": "quiet" };
export const GLOBAL_FLAG_HELP: Record<string, string> = {
  "data-dir": "DIR: the data dir (default ./.calf; CALF_DATA_DIR)",
  pipelines: "DIR: the pipelines folder (default ./pipelines; CALF_PIPELINES)",
  db: "URL: the metadata database (default file:DATA_DIR/calf.db; CALF_DB_URL)",
  store: "URL: the object store: file: (default: the data dir's objects) or s3://BUCKET/PREFIX (CALF_STORE)",
  output: "FORMAT: json or text (default text)",
  quiet: "no progress or notices on stderr",
  help: "show help for calf or a command",
  version: "print calf's version, build commit and date",
};

/** The command's name as typed: "put file". */
export const nameOf = (c: CommandDef) => c.words.join(" ");

export function parseArgs(argv: string[], commands: CommandDef[]): Parsed {
  const flags: Parsed["flags"] = {};
  let i = 0;
  // Leading global flags.
  while (i < argv.length && argv[i]!.startsWith("-")) i = takeFlag(argv, i, GLOBAL_FLAGS, GLOBAL_ALIASES, flags, null);
  const rest = argv.slice(i);
  const command = matchCommand(rest, commands);
  if (!command) {
    if (rest.length === 0) return { command: null, args: [], flags };
    return noCommand(rest, commands, flags);
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
    if (tok.startsWith("-") && tok !== "-") j = takeFlag(rest, j, specFlags, aliases, flags, command);
    else {
      args.push(tok);
      j++;
    }
  }
  if (!flags.help) {
    if (command.minArgs !== undefined && args.length < command.minArgs) {
      throw usageError(`${nameOf(command)}: missing argument`, `usage: calf ${command.usage}`);
    }
    if (command.maxArgs !== undefined && args.length > command.maxArgs) {
      throw usageError(`${nameOf(command)}: unexpected argument "${args[command.maxArgs]}"`, `usage: calf ${command.usage}`);
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

/** No command matched: a verb's help page (`calf list --help`), or a usage error that says what was meant. */
function noCommand(rest: string[], commands: CommandDef[], flags: Parsed["flags"]): Parsed {
  const verb = rest[0]!;
  const group = commands.filter((c) => c.words.length > 1 && c.words[0] === verb);
  if (group.length) {
    if (rest.slice(1).some((t) => t === "--help" || t === "-h")) return { command: null, args: [], flags: { ...flags, help: true }, topic: [verb] };
    const nouns = group.map((c) => c.words[1]!);
    const noun = rest[1] !== undefined && !rest[1].startsWith("-") ? rest[1] : undefined;
    if (noun === undefined) throw usageError(`"${verb}" needs one of: ${nouns.join(", ")}`, `see: calf ${verb} --help`);
    const close = suggest(noun, nouns);
    throw usageError(`unknown command "${verb} ${noun}"`, close ? `did you mean "calf ${verb} ${close}"?` : `"${verb}" takes one of: ${nouns.join(", ")} (see: calf ${verb} --help)`);
  }
  const typed = rest.filter((w) => !w.startsWith("-")).slice(0, 2);
  const names = commands.map(nameOf);
  const verbs = [...new Set(commands.map((c) => c.words[0]!))];
  const close = (typed.length > 1 ? suggest(typed.join(" "), names.filter((n) => n.includes(" "))) : undefined) ?? suggest(typed[0] ?? verb, verbs);
  throw usageError(`unknown command "${typed.join(" ")}"`, close ? `did you mean "calf ${close}"?` : "run calf --help to list the commands");
}

function takeFlag(
  argv: string[],
  i: number,
  spec: Record<string, FlagKind>,
  aliases: Record<string, string>,
  out: Parsed["flags"],
  command: CommandDef | null,
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
    if (!alias) throw unknownFlag(tok, tok.length > 2 ? tok.slice(1) : "", spec, command);
    name = alias;
  }
  const kind = spec[name];
  if (!kind) throw unknownFlag(`--${name}`, name, spec, command);
  if (kind === "bool") {
    out[name] = inline === undefined ? true : !/^(false|0|no)$/i.test(inline);
    return i + 1;
  }
  let value = inline;
  let next = i + 1;
  if (value === undefined) {
    if (next >= argv.length) throw usageError(`flag "${tok}" needs a value`, command ? `usage: calf ${command.usage}` : undefined);
    value = argv[next++]!;
  }
  if (kind === "list") out[name] = [...((out[name] as string[]) ?? []), value];
  else out[name] = value;
  return next;
}

/** `unknown flag "--overwite"`, with the closest flag of this command (or the global ones) as a hint. */
function unknownFlag(shown: string, name: string, spec: Record<string, FlagKind>, command: CommandDef | null) {
  const close = !name ? undefined : spec[name] ? name : suggest(name, Object.keys(spec));
  const help = command ? `calf ${nameOf(command)} --help` : "calf --help";
  return usageError(`unknown flag "${shown}"`, close ? `did you mean "--${close}"? (see: ${help})` : `run ${help} to list its flags`);
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

/** Every value given to a repeatable flag, in order ([] when none). */
export function list(flags: Parsed["flags"], name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}
