// Where and with what the suite ran: CPU, cores, memory, kernel, tool
// versions, and the sandbox calf actually used (probed with a one-datum
// pipeline that records $PFS_ROOT: "/pfs" inside bwrap, a host path without).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Calf } from "./calf.ts";
import { versionOf, which } from "./measure.ts";

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  kernel: string;
  load: string;
  date: string;
  versions: [string, string][];
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? "unknown";
}

export function describeMachine(calfBin: string, rssTool: string): Machine {
  const v = (name: string, argv: string[]): [string, string] => [name, versionOf(argv) ?? "not installed"];
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    load: os.loadavg().map((l) => l.toFixed(2)).join(" / "),
    date: new Date().toISOString(),
    versions: [
      ["calf", `${versionOf([calfBin, "--version"]) ?? "did not run"} (${calfBin})`],
      ["bun (runs the suite)", process.versions.bun ?? "not bun"],
      v("bash", ["bash", "--version"]),
      v("make", ["make", "--version"]),
      v("xargs", ["xargs", "--version"]),
      ["snakemake", which("snakemake") ? (versionOf(["snakemake", "--version"]) ?? "installed, --version failed") : "not installed"],
      v("tar", ["tar", "--version"]),
      v("bwrap", ["bwrap", "--version"]),
      ["peak RSS via", rssTool],
    ],
  };
}

/** "bwrap" or "none": which sandbox calf chose for a transform under this environment. */
export function probeSandbox(calfBin: string, dir: string): string {
  const calf = new Calf(calfBin, dir);
  try {
    const src = path.join(dir, "one.txt");
    fs.writeFileSync(src, "x\n");
    calf.exec(["create", "repo", "probe_in"]);
    calf.exec(["put", "file", "probe_in@master:/one.txt", "-f", src]);
    calf.onlyPipeline(
      "probe.yaml",
      ["pipeline: {name: probe}", "transform:", `  cmd: [sh, -c, 'printf %s "$PFS_ROOT" > /pfs/out/root']`, "input:", '  pfs: {repo: probe_in, glob: "/*"}', ""].join("\n"),
    );
    calf.exec(["run", "--once"]);
    const root = calf.exec(["get", "file", "probe@master:/root"]).stdout;
    return root === "/pfs" ? "bwrap" : `none (PFS_ROOT=${root})`;
  } finally {
    calf.remove();
  }
}
