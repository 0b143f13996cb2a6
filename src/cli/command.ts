// What a command is: its definition (words, flags, usage, help) plus how it
// opens the data dir and its handler. `read`/`write` commands get the App
// (`write` with the lock); `none` commands get a Context and open the data
// dir themselves, if at all, through `openData` (which never creates one).
import type { Runtime } from "../../runtime/types.ts";
import type { App, Settings } from "../app.ts";
import type { CommandDef, Parsed } from "./args.ts";
import type { Out } from "./output.ts";
import type { Host } from "../host.ts";

/** What a command that needs no data dir gets from main.ts. */
export interface Context {
  rt: Runtime;
  settings: Settings;
  out: Out;
  env: Record<string, string | undefined>;
  cwd: string;
  now: () => Date;
  host: Host;
  /**
   * The data dir opened read-only, or null when there is none (nothing is
   * created); with `create`, opened for writing and created if missing
   * (`calf init`). Closed by main.ts.
   */
  openData(): Promise<App | null>;
  openData(opts: { create: true }): Promise<App>;
  /** The whole command table (help, completion). */
  commands: Command[];
}

export interface DataCommand extends CommandDef {
  /** `read`: never writes; `write`: a data command (short transactions, wakes the runner); `runner`: serve/run, holds the runner lock. */
  mode: "read" | "write" | "runner";
  /** A write command that may start a data dir where there is none (`create repo`, `run`). */
  createsData?: boolean;
  /** Returns the exit code. */
  run(app: App, p: Parsed): Promise<number>;
}

export interface BareCommand extends CommandDef {
  mode: "none";
  run(ctx: Context, p: Parsed): Promise<number>;
}

export type Command = DataCommand | BareCommand;
