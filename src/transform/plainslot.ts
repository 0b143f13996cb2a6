// A slot without a sandbox: each attempt in its own session and process
// group, /pfs rewritten to the slot's folder, stdout and stderr through the
// slot's FIFOs, and what escaped the group (setsid) killed when it ends.
import type { Runtime } from "../../runtime/types.ts";
import { LogTap } from "./logtap.ts";
import { killOrphans } from "./orphans.ts";
import { rewritePfs } from "./rewrite.ts";
import type { Attempt, Slot } from "./slot.ts";
import { supervise, type Ended } from "./stop.ts";

export class PlainSlot implements Slot {
  readonly sandboxed = false;
  readonly pfsRoot: string;
  readonly #tap: LogTap;

  readonly channel: { host: string; inside: string };

  constructor(private readonly rt: Runtime, dir: string, readonly pfsDir: string, readonly outDir: string) {
    this.pfsRoot = pfsDir;
    this.channel = { host: dir, inside: dir };
    this.#tap = new LogTap(dir, rt);
  }

  drainLogs(): void {
    this.#tap.pump();
  }

  fix(text: string): string {
    return rewritePfs(text, this.pfsRoot);
  }

  async run(a: Attempt): Promise<Ended> {
    this.#tap.begin(a.log);
    let child;
    try {
      child = this.rt.spawn({
        argv: a.argv, cwd: a.cwd, env: defined(a.env), stdin: a.stdin, outputFile: this.#tap.out.path, errorFile: this.#tap.err.path,
      });
    } catch (err) {
      await this.#tap.end();
      throw err;
    }
    try {
      return await supervise({ term: () => child.kill("SIGTERM"), kill: () => child.kill("SIGKILL") }, child.done, a);
    } finally {
      // What left the process group (setsid) goes too, before the FIFOs are drained (it may hold them).
      await killOrphans(this.rt, a.owner);
      await this.#tap.end();
    }
  }

  async close(): Promise<void> {
    this.#tap.close();
  }
}

function defined(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
