// Decides how transforms run (SPEC §4.6, CALF_SANDBOX=auto|bwrap|none): in
// bubblewrap when it works here, else unsandboxed with /pfs rewritten.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";
import { invalid } from "../errors.ts";
import type { RootEntry } from "./sandbox.ts";

export interface SandboxPlan {
  root: RootEntry[];
  keep: string[];
}

export async function chooseSandbox(rt: Runtime, mode: string | undefined, keepDirs: string[]): Promise<SandboxPlan | null> {
  const m = mode ?? "auto";
  if (m === "none") return null;
  if (m !== "auto" && m !== "bwrap") throw invalid(`CALF_SANDBOX="${m}" is not valid`, "use auto, bwrap or none");
  const works = await bwrapWorks(rt);
  if (!works) {
    if (m === "bwrap") throw invalid("CALF_SANDBOX=bwrap but bubblewrap does not work here", "install bubblewrap (apt-get install bubblewrap) or set CALF_SANDBOX=auto");
    return null;
  }
  return { root: rootEntries(), keep: keepUnderTmp(keepDirs) };
}

async function bwrapWorks(rt: Runtime): Promise<boolean> {
  try {
    const child = rt.spawn({ argv: ["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--dev", "/dev", "true"], cwd: "/", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, outputFile: "/dev/null" });
    const r = await child.done;
    return r.exitCode === 0;
  } catch {
    return false;
  }
}

function rootEntries(): RootEntry[] {
  return fs.readdirSync("/", { withFileTypes: true }).map((d) =>
    d.isSymbolicLink() ? { name: d.name, link: fs.readlinkSync(path.join("/", d.name)) } : { name: d.name },
  );
}

/** The sandbox's /tmp is private: folders the transform needs from the host's /tmp are bound back. */
function keepUnderTmp(dirs: string[]): string[] {
  const out = new Set<string>();
  for (const d of dirs) {
    const real = fs.existsSync(d) ? fs.realpathSync(d) : d;
    if (real.startsWith("/tmp/") && fs.existsSync(real)) out.add(real);
  }
  // Nested folders are covered by their parents.
  return [...out].sort().filter((d, i, all) => !all.slice(0, i).some((p) => d.startsWith(p + "/")));
}
