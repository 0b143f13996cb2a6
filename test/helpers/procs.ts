// Test helper: is a process still running? A killed process whose parent died
// is reparented to PID 1; where PID 1 does not reap (containers whose init is
// not an init), it stays a zombie for ever, which kill(pid, 0) still "finds".
// A zombie runs nothing, so it counts as gone here.
import * as fs from "node:fs";

export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as { code?: string }).code === "ESRCH") return false;
    throw err;
  }
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false; // gone between the two checks
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** Polls `running(pid)` until it is false or `ms` pass; returns the last answer. */
export async function stillRunningAfter(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (running(pid)) {
    if (Date.now() > end) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
