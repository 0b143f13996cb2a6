// Processes that escaped their transform's process group (`setsid daemon &`)
// without a sandbox (SPEC §4.5: no descendant outlives its datum). calf is a
// child subreaper (runtime.becomeSubreaper), so such a process becomes calf's
// child once its parent dies; here it is told apart from calf's own children,
// matched to the datum or spout it came from by its environment, killed with
// its process group, and reaped. A process that also cleared its environment
// cannot be told from a child calf's host process started for itself (a test
// runner's browser): it is killed only when the runner stops.
import * as fs from "node:fs";
import type { Runtime } from "../../runtime/types.ts";

/** Whether an adopted process belongs to what just ended, from its environment (null: unreadable or empty). */
export type Owner = (env: Map<string, string> | null) => boolean;

/** The datum `datum` of job `job`. */
export const datumOwner = (job: string, datum: string): Owner => (env) =>
  env?.get("PACH_JOB_ID") === job && env.get("PACH_DATUM_ID") === datum;

/** The spout `pipeline` (its processes have no datum). */
export const spoutOwner = (pipeline: string): Owner => (env) =>
  env?.get("PPS_PIPELINE_NAME") === pipeline && !env.get("PACH_DATUM_ID");

/** Any datum of job `job`: when the job ends (a process adopted after its datum's own look). */
export const jobOwner = (job: string): Owner => (env) => env?.get("PACH_JOB_ID") === job;

/** Everything: when the runner stops. */
export const everyone: Owner = () => true;

/** How many rounds to look again: a killed process's own children are adopted only once it is gone. */
const ROUNDS = 20;
const ROUND_MS = 5;

/**
 * Kills the adopted processes `owns` claims (SIGKILL to each and to its
 * process group) until none is left, and reaps every adopted zombie.
 * Returns how many were killed.
 */
export async function killOrphans(rt: Runtime, owns: Owner): Promise<number> {
  let killed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let alive = 0;
    let reaped = 0;
    const adopted = rt.adoptedChildren();
    if (adopted.length === 0) break; // the usual case: a look at /proc and nothing more
    for (const { pid, zombie } of adopted) {
      if (zombie) {
        if (rt.reap(pid)) reaped++;
        continue;
      }
      if (!owns(environOf(pid))) continue;
      alive++;
      for (const target of [pid, -pid]) {
        try {
          process.kill(target, "SIGKILL");
        } catch { /* gone, or not a group leader */ }
      }
      killed++;
    }
    // Nothing killed this round, so nothing to wait for. After reaping zombies
    // look again at once: a process's children are adopted before it turns
    // zombie, so whatever it left is in the next listing (no 5 ms sleep for
    // the zombie an exited sandbox leaves after every job).
    if (alive === 0) {
      if (reaped > 0) continue;
      break;
    }
    await new Promise((r) => setTimeout(r, ROUND_MS));
  }
  return killed;
}

function environOf(pid: number): Map<string, string> | null {
  let raw: string;
  try {
    raw = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
  } catch {
    return null;
  }
  if (!raw) return null;
  const env = new Map<string, string>();
  for (const kv of raw.split("\0")) {
    const eq = kv.indexOf("=");
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return env;
}
