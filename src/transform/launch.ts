// The one way calf launches a user process: a worker slot (slot.ts) for a
// datum's attempts or a spout's run, in the slot sandbox when bwrap works
// (boxslot.ts), else plain (plainslot.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";
import { BoxSlot } from "./boxslot.ts";
import { PlainSlot } from "./plainslot.ts";
import type { SandboxPlan } from "./sandbox.ts";
import type { Slot } from "./slot.ts";

/** A slot in `dir` (created): sandboxed when `plan` is given. `out: "fifo"` makes /pfs/out a FIFO (spouts). */
export function openSlot(rt: Runtime, plan: SandboxPlan | null, dir: string, opts: { out?: "dir" | "fifo" } = {}): Slot {
  const pfsDir = path.join(dir, "pfs");
  const outDir = path.join(pfsDir, "out");
  fs.mkdirSync(pfsDir, { recursive: true });
  if (opts.out === "fifo") rt.mkfifo(outDir, 0o600);
  else fs.mkdirSync(outDir, { recursive: true });
  return plan ? new BoxSlot(rt, plan, dir, pfsDir, outDir) : new PlainSlot(rt, dir, pfsDir, outDir);
}

