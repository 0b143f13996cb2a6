// Commands about calf itself: `help` and `completion`. They need no data dir;
// both read the command table from the Context.
import { usageError } from "../errors.ts";
import { suggest } from "../spec/suggest.ts";
import { VERSION } from "../version.ts";
import { nameOf } from "./args.ts";
import type { Command } from "./command.ts";
import { completionScript, SHELLS, type Shell } from "./completion.ts";
import { commandHelp, overviewHelp, topicHelp } from "./help.ts";

export const metaCommands: Command[] = [
  {
    words: ["help"], usage: "help [COMMAND...]", summary: "show help for calf, a command, or the commands under a verb",
    flags: {}, mode: "none", maxArgs: 2,
    examples: ["calf help                # every command", "calf help put file       # one command's flags and examples", "calf help list           # the commands under list"],
    async run(ctx, p) {
      const topic = p.args.join(" ");
      if (!topic) {
        ctx.out.write(overviewHelp(ctx.commands, VERSION));
        return 0;
      }
      const cmd = ctx.commands.find((c) => nameOf(c) === topic);
      if (cmd) {
        ctx.out.write(commandHelp(cmd));
        return 0;
      }
      if (p.args.length === 1 && ctx.commands.some((c) => c.words[0] === topic)) {
        ctx.out.write(topicHelp(topic, ctx.commands));
        return 0;
      }
      const close = suggest(topic, [...ctx.commands.map(nameOf), ...new Set(ctx.commands.map((c) => c.words[0]!))]);
      throw usageError(`no help for "${topic}": there is no such command`, close ? `did you mean "calf help ${close}"?` : "run calf help to list the commands");
    },
  },
  {
    words: ["completion"], usage: "completion bash|zsh|fish", summary: "print a shell completion script",
    details: "Completes commands, nouns, flags and the values of -o. Load it in the current shell, or install it\nwhere your shell looks for completions (see the comment at the top of the script).",
    flags: {}, mode: "none", minArgs: 1, maxArgs: 1,
    examples: [
      "source <(calf completion bash)                          # bash, this shell",
      "calf completion bash > ~/.local/share/bash-completion/completions/calf",
      "source <(calf completion zsh)                           # zsh (after compinit)",
      "calf completion fish > ~/.config/fish/completions/calf.fish",
    ],
    async run(ctx, p) {
      const shell = p.args[0]!;
      if (!(SHELLS as readonly string[]).includes(shell)) {
        const close = suggest(shell, SHELLS);
        throw usageError(`completion: unknown shell "${shell}"`, close ? `did you mean "${close}"?` : `one of: ${SHELLS.join(", ")}`);
      }
      ctx.out.write(completionScript(shell as Shell, ctx.commands));
      return 0;
    },
  },
];
