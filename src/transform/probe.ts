// Decides how transforms run (SPEC §4.6, CALF_SANDBOX=auto|bwrap|none): in
// bubblewrap when it works here, else unsandboxed with /pfs rewritten. Also
// asks, once, what this kernel and bwrap allow (a user namespace, and
// --disable-userns), and which host paths the sandbox must hide.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";
import { invalid } from "../errors.ts";
import type { RootEntry, SandboxPlan } from "./sandbox.ts";

export type { SandboxPlan } from "./sandbox.ts";

export interface ProbeOptions {
  /** CALF_SANDBOX. */
  mode: string | undefined;
  /** $PATH, to find bwrap. */
  path: string;
  /** Folders the transform needs (project, working dirs): kept visible even under /tmp. */
  keep: string[];
  /** calf's own data: the data dir and, when it lies elsewhere, the database file. */
  hide: string[];
}

/** What bwrap can do here, probed once per process (each probe starts bwrap). */
let abilities: Promise<{ works: boolean; userns: boolean; disableUserns: boolean }> | undefined;

export async function chooseSandbox(rt: Runtime, opts: ProbeOptions): Promise<SandboxPlan | null> {
  const m = opts.mode ?? "auto";
  if (m === "none") return null;
  if (m !== "auto" && m !== "bwrap") throw invalid(`CALF_SANDBOX="${m}" is not valid`, "use auto, bwrap or none");
  const can = await (abilities ??= probe(rt, opts.path));
  if (!can.works) {
    if (m === "bwrap") throw invalid("CALF_SANDBOX=bwrap but bubblewrap does not work here", "install bubblewrap (apt-get install bubblewrap) or set CALF_SANDBOX=auto");
    return null;
  }
  const keep = keepUnderTmp(opts.keep);
  return { root: rootEntries(), keep, hide: hidden(opts.hide, keep), path: opts.path, userns: can.userns, disableUserns: can.disableUserns };
}

/** Strongest first: where everything works (the common case) that is one bwrap start, not three (~5 ms each). */
async function probe(rt: Runtime, PATH: string) {
  const base = ["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--dev", "/dev", "--cap-drop", "ALL"];
  if (await succeeds(rt, PATH, [...base, "--unshare-user", "--disable-userns", "true"])) return { works: true, userns: true, disableUserns: true };
  if (await succeeds(rt, PATH, [...base, "--unshare-user", "true"])) return { works: true, userns: true, disableUserns: false };
  return { works: await succeeds(rt, PATH, [...base, "true"]), userns: false, disableUserns: false };
}

async function succeeds(rt: Runtime, PATH: string, argv: string[]): Promise<boolean> {
  try {
    const r = await rt.spawn({ argv, cwd: "/", env: { PATH }, outputFile: "/dev/null" }).done;
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
    const real = realOrSelf(d);
    if (real.startsWith("/tmp/") && fs.existsSync(real)) out.add(real);
  }
  // Nested folders are covered by their parents.
  return [...out].sort().filter((d, i, all) => !all.slice(0, i).some((p) => d.startsWith(p + "/")));
}

/**
 * The paths to hide that the sandbox would otherwise show: existing ones,
 * outside /tmp (private in the sandbox) unless under a kept folder.
 */
function hidden(paths: string[], keep: string[]): SandboxPlan["hide"] {
  const out: SandboxPlan["hide"] = [];
  for (const p of paths) {
    const real = realOrSelf(p);
    const st = fs.statSync(real, { throwIfNoEntry: false });
    if (!st || real === "/") continue;
    const visible = !real.startsWith("/tmp/") || keep.some((k) => real === k || real.startsWith(k + "/"));
    if (visible && !out.some((h) => real.startsWith(h.path + "/"))) out.push({ path: real, dir: st.isDirectory() });
  }
  return out;
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
