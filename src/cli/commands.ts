// The command table: every calf command, in the order `calf --help` lists
// them. Parsing, help pages, completion and the table-driven CLI tests all
// read this one list.
import type { Command } from "./command.ts";
import { branchCommands } from "./branches.ts";
import { dataCommands } from "./data.ts";
import { debugCommands } from "./debug.ts";
import { initCommands } from "./init.ts";
import { jobCommands } from "./jobs.ts";
import { metaCommands } from "./meta.ts";
import { opsCommands } from "./ops.ts";
import { pipelineCommands } from "./pipelines.ts";

export const commands: Command[] = [...dataCommands, ...branchCommands, ...pipelineCommands, ...jobCommands, ...initCommands, ...opsCommands, ...debugCommands, ...metaCommands];
