// Help pages, generated from the command table: the overview (`calf --help`),
// a verb's commands (`calf list --help`) and one command's page (usage,
// flags, examples, environment, exit codes). Pure: commands in, text out.
import { GLOBAL_ALIASES, GLOBAL_FLAG_HELP, GLOBAL_FLAGS, nameOf, type CommandDef } from "./args.ts";

export const ENVIRONMENT: [string, string][] = [
  ["CALF_DATA_DIR", "the data dir, as --data-dir (default ./.calf)"],
  ["CALF_PIPELINES", "the pipelines folder, as --pipelines (default ./pipelines)"],
  ["CALF_DB_URL", "the metadata database, as --db (file:, libsql://, http(s)://)"],
  ["CALF_DB_AUTH_TOKEN", "the token of a libSQL server (or ?authToken= in the URL)"],
  ["CALF_STORE", "the object store, as --store (file:, file:DIR, s3://BUCKET/PREFIX)"],
  ["CALF_S3_ENDPOINT", "an S3-compatible endpoint, http(s)://HOST[:PORT] (default: AWS)"],
  ["AWS_ACCESS_KEY_ID", "and AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION: for s3:// (secrets never reach transforms)"],
  ["CALF_SANDBOX", "auto, bwrap or none: how transforms are isolated (default auto)"],
  ["CALF_API_TOKEN", "the bearer token of the HTTP API; never passed to transforms"],
  ["TMPDIR", "where the binary unpacks its database driver (must allow executables)"],
];

export const EXIT_CODES: [string, string][] = [
  ["0", "success"],
  ["1", "a job, datum or operation failed at run time"],
  ["2", "usage error, invalid spec or input, or a name/ref that does not exist (nothing changed)"],
  ["75", "another calf runner holds the data dir's lock (try again later)"],
];

/** `-o, --output FORMAT` and its description, from "FORMAT: text" help. */
function flagLine(name: string, kind: string, aliases: Record<string, string>, help: string | undefined): [string, string] {
  const short = Object.keys(aliases).find((a) => aliases[a] === name);
  const m = kind !== "bool" && help ? /^([A-Z][A-Z0-9_|.\[\]-]*): (.*)$/.exec(help) : null;
  const arg = kind === "bool" ? "" : ` ${m ? m[1] : "VALUE"}`;
  return [`${short ? `${short}, ` : "    "}--${name}${arg}`, m ? m[2]! : (help ?? "")];
}

function columns(rows: [string, string][], width = 0): string[] {
  const indent = 2;
  const w = Math.max(width, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${" ".repeat(indent)}${a.padEnd(w)}  ${b}`.trimEnd());
}

function footer(): string[] {
  return ["", "environment:", ...columns(ENVIRONMENT), "", "exit codes:", ...columns(EXIT_CODES)];
}

/** The rows of a command's own flags (sorted as declared). */
export function flagRows(c: CommandDef): [string, string][] {
  return Object.entries(c.flags).map(([name, kind]) => flagLine(name, kind, c.aliases ?? {}, c.flagHelp?.[name]));
}

function globalRows(c: CommandDef | null): [string, string][] {
  return Object.entries(GLOBAL_FLAGS).map(([name, kind]) => flagLine(name, kind, GLOBAL_ALIASES, c?.flagHelp?.[name] ?? GLOBAL_FLAG_HELP[name]));
}

/** One command's page: `calf put --help`. */
export function commandHelp(c: CommandDef): string {
  const own = flagRows(c);
  const globals = globalRows(c);
  const w = Math.max(...[...own, ...globals].map(([a]) => a.length));
  const lines = [`calf ${nameOf(c)}: ${c.summary}`, "", `usage: calf ${c.usage}`];
  if (c.details) lines.push("", ...c.details.split("\n"));
  if (own.length) lines.push("", "flags:", ...columns(own, w));
  lines.push("", "global flags:", ...columns(globals, w));
  if (c.examples?.length) lines.push("", "examples:", ...c.examples.map((e) => `  ${e}`));
  lines.push(...footer());
  return lines.join("\n") + "\n";
}

/** The commands under one verb: `calf list --help`. */
export function topicHelp(verb: string, commands: CommandDef[]): string {
  const group = commands.filter((c) => c.words[0] === verb);
  return [
    `calf ${verb}: ${group.length} command${group.length === 1 ? "" : "s"}`,
    "",
    ...columns(group.map((c) => [`calf ${c.usage}`, c.summary])),
    "",
    `Run "calf help ${verb} NOUN" or "calf ${verb} NOUN --help" for a command's flags and examples.`,
    ...footer(),
  ].join("\n") + "\n";
}

/** The overview: `calf --help`, `calf help`. */
export function overviewHelp(commands: CommandDef[], version: string): string {
  return [
    `calf ${version}: Pachyderm-style data pipelines on one machine`,
    "",
    "usage: calf COMMAND [args] [flags]",
    "",
    "commands:",
    ...columns(commands.map((c) => [c.usage, c.summary])),
    "",
    "global flags (before or after the command):",
    ...columns(globalRows(null)),
    "",
    'Run "calf help COMMAND" or "calf COMMAND --help" for a command\'s flags and examples,',
    'and "calf completion bash|zsh|fish" for shell completion.',
    ...footer(),
  ].join("\n") + "\n";
}
