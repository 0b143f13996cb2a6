// Shell completion scripts (bash, zsh, fish), generated from the command
// table: verbs, nouns, each command's flags (with their descriptions where
// the shell shows them) and the values of -o. Pure: commands in, script out.
import { GLOBAL_ALIASES, GLOBAL_FLAG_HELP, GLOBAL_FLAGS, nameOf, type CommandDef, type FlagKind } from "./args.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface FlagInfo {
  long: string;
  short?: string;
  valued: boolean;
  help: string;
}

const describe = (help: string | undefined) => (help ?? "").replace(/^[A-Z][A-Z0-9_|.\[\]-]*: /, "");

function flagsOf(flags: Record<string, FlagKind>, aliases: Record<string, string>, help: Record<string, string | undefined>): FlagInfo[] {
  return Object.entries(flags).map(([name, kind]) => ({
    long: `--${name}`,
    short: Object.keys(aliases).find((a) => aliases[a] === name),
    valued: kind !== "bool",
    help: describe(help[name]),
  }));
}

const GLOBALS = flagsOf(GLOBAL_FLAGS, GLOBAL_ALIASES, GLOBAL_FLAG_HELP);
const commandFlags = (c: CommandDef) => flagsOf(c.flags, c.aliases ?? {}, c.flagHelp ?? {});
const verbsOf = (commands: CommandDef[]) => [...new Set(commands.map((c) => c.words[0]!))];
const nounsOf = (commands: CommandDef[], verb: string) => commands.filter((c) => c.words[0] === verb && c.words.length > 1).map((c) => c.words[1]!);
/** A verb's one-line description: its own command's summary, or the nouns it takes. */
const verbSummary = (commands: CommandDef[], verb: string) =>
  commands.find((c) => nameOf(c) === verb)?.summary ?? `${verb} ${nounsOf(commands, verb).join(", ")}`;
const names = (fs: FlagInfo[]) => fs.flatMap((f) => (f.short ? [f.long, f.short] : [f.long])).join(" ");

export function completionScript(shell: Shell, commands: CommandDef[]): string {
  if (shell === "bash") return bashScript(commands);
  if (shell === "zsh") return zshScript(commands);
  return fishScript(commands);
}

// --- bash (3.2 and later: no associative arrays) ---------------------------

function bashScript(commands: CommandDef[]): string {
  const verbs = verbsOf(commands);
  const caseOf = (pick: (c: CommandDef) => string) =>
    commands.map((c) => `    "${nameOf(c)}") echo "${pick(c)}" ;;`).join("\n");
  const nounCases = verbs.filter((v) => nounsOf(commands, v).length).map((v) => `    ${v}) echo "${nounsOf(commands, v).join(" ")}" ;;`).join("\n");
  const twoWord = commands.filter((c) => c.words.length === 2).map((c) => `"${nameOf(c)}"`).join("|") || '"-"';
  const oneWord = commands.filter((c) => c.words.length === 1).map((c) => c.words[0]).join("|") || "-";
  return `# calf completion for bash. Load it with
#   source <(calf completion bash)
# or save it as /etc/bash_completion.d/calf (or ~/.local/share/bash-completion/completions/calf).

_calf_key() { # the command named by the words typed so far: "put file", "run", or ""
  case "$1 $2" in
    ${twoWord}) echo "$1 $2"; return ;;
  esac
  case "$1" in
    ${oneWord}) echo "$1" ;;
  esac
}
_calf_flags() { # a command's own flags
  case "$1" in
${caseOf((c) => names(commandFlags(c)))}
  esac
}
_calf_valued() { # a command's flags that take a value
  case "$1" in
${caseOf((c) => names(commandFlags(c).filter((f) => f.valued)))}
  esac
}
_calf_nouns() {
  case "$1" in
${nounCases}
  esac
}
_calf() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local globals="${names(GLOBALS)}"
  local valued=" ${names(GLOBALS.filter((f) => f.valued))} "
  local words=() key="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    if [[ $w == -* ]]; then
      [[ $w != *=* && "$valued" == *" $w "* ]] && ((i++))
      continue
    fi
    words+=("$w")
    if [ \${#words[@]} -le 2 ]; then
      key=$(_calf_key "\${words[0]}" "\${words[1]}")
      valued=" ${names(GLOBALS.filter((f) => f.valued))} $(_calf_valued "$key") "
    fi
  done
  COMPREPLY=()
  case "$prev" in
    -o|--output) [ "$key" = "get file" ] || { COMPREPLY=($(compgen -W "json text" -- "$cur")); return; } ;;
    --data-dir|--pipelines) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  if [[ "$valued" == *" $prev "* ]]; then return; fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$globals $(_calf_flags "$key")" -- "$cur"))
    return
  fi
  case \${#words[@]} in
    0) COMPREPLY=($(compgen -W "${verbs.join(" ")}" -- "$cur")) ;;
    1)
      if [ "\${words[0]}" = completion ]; then COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"))
      elif [ "\${words[0]}" = help ]; then COMPREPLY=($(compgen -W "${verbs.join(" ")}" -- "$cur"))
      else COMPREPLY=($(compgen -W "$(_calf_nouns "\${words[0]}")" -- "$cur"))
      fi ;;
    2) [ "\${words[0]}" = help ] && COMPREPLY=($(compgen -W "$(_calf_nouns "\${words[1]}")" -- "$cur")) ;;
  esac
}
complete -o default -F _calf calf
`;
}

// --- zsh -------------------------------------------------------------------

const zq = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const zItem = (name: string, help: string) => zq(`${name.replace(/:/g, "\\:")}:${help}`);

function zshScript(commands: CommandDef[]): string {
  const verbs = verbsOf(commands);
  const flagItems = (fs: FlagInfo[]) => fs.flatMap((f) => [f.long, ...(f.short ? [f.short] : [])].map((n) => zItem(n, f.help))).join(" ");
  const cases = commands.map((c) => `    ${zq(nameOf(c))}) flags+=(${flagItems(commandFlags(c))}); valued+=(${commandFlags(c).filter((f) => f.valued).flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]).join(" ")}) ;;`).join("\n");
  const nounCases = verbs.filter((v) => nounsOf(commands, v).length).map((v) =>
    `    ${v}) nouns=(${commands.filter((c) => c.words[0] === v && c.words.length > 1).map((c) => zItem(c.words[1]!, c.summary)).join(" ")}) ;;`).join("\n");
  const twoWord = commands.filter((c) => c.words.length === 2).map((c) => zq(nameOf(c)));
  const oneWord = commands.filter((c) => c.words.length === 1).map((c) => c.words[0]!);
  return `#compdef calf
# calf completion for zsh. Load it with
#   source <(calf completion zsh)
# or save it as _calf in a folder on $fpath (before compinit runs).

_calf() {
  local -a globals valued typed flags nouns verbs
  globals=(${flagItems(GLOBALS)})
  valued=(${GLOBALS.filter((f) => f.valued).flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]).join(" ")})
  verbs=(${verbs.map((v) => zItem(v, verbSummary(commands, v))).join(" ")})
  local i w key="" cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    if [[ $w == -* ]]; then
      [[ $w != *=* && \${valued[(Ie)$w]} -gt 0 ]] && (( i++ ))
      continue
    fi
    typed+=("$w")
    if (( \${#typed} <= 2 )); then
      case "\${typed[1]} \${typed[2]}" in
        ${twoWord.join("|") || "'-'"}) key="\${typed[1]} \${typed[2]}" ;;
        *) case "\${typed[1]}" in ${oneWord.join("|") || "-"}) key="\${typed[1]}" ;; *) key="" ;; esac ;;
      esac
    fi
  done
  flags=()
  case "$key" in
${cases}
  esac
  case "$prev" in
    -o|--output) if [[ $key != "get file" ]]; then compadd -- json text; return; fi ;;
    --data-dir|--pipelines) _files -/; return ;;
  esac
  if (( \${valued[(Ie)$prev]} )); then _files; return; fi
  if [[ $cur == -* ]]; then
    _describe -t flags 'flag' globals -- flags
    return
  fi
  case \${#typed} in
    0) _describe -t commands 'calf command' verbs ;;
    1)
      if [[ \${typed[1]} == completion ]]; then compadd -- bash zsh fish
      elif [[ \${typed[1]} == help ]]; then _describe -t commands 'calf command' verbs
      else
        nouns=()
        case "\${typed[1]}" in
${nounCases}
        esac
        if (( \${#nouns} )); then _describe -t nouns 'noun' nouns; else _files; fi
      fi ;;
    *) _files ;;
  esac
}

if [[ "\${funcstack[1]}" == "_calf" ]]; then
  _calf "$@"
else
  compdef _calf calf
fi
`;
}

// --- fish ------------------------------------------------------------------

const fq = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

function fishFlag(f: FlagInfo, cond: string): string {
  const parts = [`complete -c calf`];
  if (cond) parts.push(`-n ${fq(cond)}`);
  parts.push(`-l ${f.long.slice(2)}`);
  if (f.short) parts.push(`-s ${f.short.slice(1)}`);
  if (f.long === "--output") parts.push("-x -a 'json text'");
  else if (f.valued) parts.push("-r -F");
  if (f.help) parts.push(`-d ${fq(f.help)}`);
  return parts.join(" ");
}

function fishScript(commands: CommandDef[]): string {
  const verbs = verbsOf(commands);
  const valued = GLOBALS.filter((f) => f.valued).flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]);
  const lines = [
    "# calf completion for fish. Load it with",
    "#   calf completion fish | source",
    "# or save it as ~/.config/fish/completions/calf.fish.",
    "",
    "# The command words typed so far (flags and the values of global flags left out).",
    "function __calf_words",
    "    set -l toks (commandline -opc)",
    "    set -e toks[1]",
    "    set -l skip 0",
    "    for t in $toks",
    "        if test $skip = 1",
    "            set skip 0",
    "            continue",
    "        end",
    `        if contains -- $t ${valued.join(" ")}`,
    "            set skip 1",
    "            continue",
    "        end",
    "        string match -q -- '-*' $t; and continue",
    "        echo $t",
    "    end",
    "end",
    "function __calf_is # VERB [NOUN]: the command typed so far is exactly this one",
    "    set -l w (__calf_words)",
    "    test (count $argv) -eq 1; and test (count $w) -ge 1; and test \"$w[1]\" = $argv[1]; and begin; test (count $w) -lt 2; or not contains -- \"$w[2]\" (__calf_nouns $argv[1]); end; and return 0",
    "    test (count $argv) -eq 2; and test (count $w) -ge 2; and test \"$w[1]\" = $argv[1]; and test \"$w[2]\" = $argv[2]; and return 0",
    "    return 1",
    "end",
    "function __calf_nouns",
    "    switch $argv[1]",
    ...verbs.filter((v) => nounsOf(commands, v).length).flatMap((v) => [`        case ${v}`, `            printf '%s\\n' ${nounsOf(commands, v).join(" ")}`]),
    "    end",
    "end",
    "function __calf_verb_only # exactly one word typed: VERB",
    "    set -l w (__calf_words)",
    "    test (count $w) -eq 1; and test \"$w[1]\" = $argv[1]",
    "end",
    "",
    "complete -c calf -f",
    ...GLOBALS.map((f) => fishFlag(f, "")),
    ...verbs.map((v) => `complete -c calf -n 'test (count (__calf_words)) -eq 0' -a ${v} -d ${fq(verbSummary(commands, v))}`),
    ...commands.filter((c) => c.words.length === 2).map((c) => `complete -c calf -n '__calf_verb_only ${c.words[0]}' -a ${c.words[1]} -d ${fq(c.summary)}`),
    `complete -c calf -n '__calf_verb_only completion' -a 'bash zsh fish'`,
    `complete -c calf -n '__calf_verb_only help' -a '${verbs.join(" ")}'`,
    ...commands.flatMap((c) => commandFlags(c).map((f) => fishFlag(f, `__calf_is ${c.words.join(" ")}`))),
  ];
  return lines.join("\n") + "\n";
}
