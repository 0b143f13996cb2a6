// The command table: every calf command, in the order `calf --help` lists
// them. Parsing, help pages, completion and the table-driven CLI tests all
// read this one list.
import type { Command } from "./command.ts";
import { branchCommands } from "./branches.ts";
import { dataCommands } from "./data.ts";
import { fileCommands } from "./files.ts";
import { logCommands } from "./logs.ts";
import { planCommands } from "./plan.ts";
import { runCommands } from "./run.ts";
import { debugCommands } from "./debug.ts";
import { initCommands } from "./init.ts";
import { jobCommands } from "./jobs.ts";
import { metaCommands } from "./meta.ts";
import { opsCommands } from "./ops.ts";
import { pipelineCommands } from "./pipelines.ts";
import { viewCommands } from "./views.ts";
import { storeCommands } from "./store.ts";
import { installServiceCommand } from "./service.ts";
import { reprocessCommands } from "./reprocess.ts";
import { whyCommands } from "./why.ts";
import { datumRunCommands } from "./datumrun.ts";
import { workerCommands } from "./worker.ts";

export const commands: Command[] = [
  ...dataCommands, ...fileCommands, ...branchCommands, ...planCommands, ...runCommands, ...pipelineCommands, ...jobCommands, ...reprocessCommands, ...datumRunCommands, ...whyCommands, ...logCommands,
  ...viewCommands, installServiceCommand, ...initCommands, ...opsCommands, ...storeCommands, ...workerCommands, ...debugCommands, ...metaCommands,
];
