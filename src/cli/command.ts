// What a command is: its definition (words, flags, usage) plus how it opens
// the data dir (`read`, `write` with the lock, or `none`) and its handler.
import type { App } from "../app.ts";
import type { CommandDef, Parsed } from "./args.ts";

export interface Command extends CommandDef {
  mode: "read" | "write" | "none";
  /** Returns the exit code. */
  run(app: App, p: Parsed): Promise<number>;
}
