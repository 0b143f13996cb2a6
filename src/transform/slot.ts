// A worker slot: where a transform runs, attempt after attempt (a datum's, or
// a spout's one long run). Two kinds, one shape: the slot sandbox
// (boxslot.ts) and the plain slot (plainslot.ts); launch.ts picks one.
import type { LogSink } from "./logs.ts";
import type { Owner } from "./orphans.ts";
import type { Bind } from "./sandbox.ts";
import type { Ended } from "./stop.ts";

export interface Attempt {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  /** Text fed to stdin; absent: /dev/null. */
  stdin?: string;
  timeoutMs?: number;
  signal: AbortSignal;
  /** Where its stdout and stderr go, line by line. */
  log: LogSink;
  /** Sandbox only: /pfs made of these read-only binds instead of the slot's folder (a sandbox of its own). */
  binds?: Bind[];
  /** Whose escaped processes to kill when it ends (plain slot; a sandbox kills everything in it). */
  owner: Owner;
}

export interface Slot {
  /** The host folder the transform sees as /pfs (inputs are copied into it). */
  readonly pfsDir: string;
  /** The host path of /pfs/out: a folder, or a FIFO for a spout. */
  readonly outDir: string;
  /** What the transform itself calls /pfs (PFS_ROOT). */
  readonly pfsRoot: string;
  readonly sandboxed: boolean;
  /** `cmd`/`stdin` text as the transform must see it: /pfs rewritten to pfsRoot where it starts a path. */
  fix(text: string): string;
  /** Where datum batching's FIFOs go (batchfifo.ts): a host folder, and that folder as the transform sees it. */
  readonly channel?: { host: string; inside: string };
  /** Moves what the running attempt wrote so far into its log (batching switches logs between datums). */
  drainLogs?(): void;
  /** Runs one attempt; throws when the slot itself failed (bwrap could not start, no such working dir). */
  run(a: Attempt): Promise<Ended>;
  close(): Promise<void>;
}

