// `calf install-service` (SPEC §2.2): prints a systemd unit for this folder,
// to save and enable by hand (nothing is installed). The service runs `calf
// serve`; --timer prints a oneshot `run --once` service and its timer instead.
// Pure text from the folder, the binary's path and the drain bound.
import * as fs from "node:fs";
import * as path from "node:path";
import { shQuote } from "../transform/sandbox.ts";
import { KILL_GRACE_MS } from "../transform/stop.ts";
import { bool, str } from "./args.ts";
import type { Command } from "./command.ts";

export interface UnitOptions {
  /** The folder that holds pipelines/ and .calf (WorkingDirectory). */
  dir: string;
  /** ExecStart's program and its first words (absolute). */
  self: string[];
  user: boolean;
  /** Extra arguments for calf (e.g. --data-dir). */
  args: string[];
  /** Who owns the folder (User=); absent: a line to fill in. */
  owner?: string;
}

/** The user lines of a system unit: the folder's owner, or a placeholder to fill in. */
const userLines = (o: UnitOptions) =>
  o.user ? [] : o.owner ? ["# The user who owns the folder above: calf runs as them.", `User=${o.owner}`] : ["# The user calf runs as, who owns the folder above: fill in.", "User=calf"];

/** The name of user `uid` in an /etc/passwd text, if it is there. */
export function userName(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f.length >= 3 && Number(f[2]) === uid && f[2] !== "" && /^[a-z_][a-z0-9_.-]*\$?$/i.test(f[0]!)) return f[0];
  }
  return undefined;
}

/** How long systemd waits after SIGTERM: transforms get SIGTERM, then SIGKILL after KILL_GRACE_MS; the job is recorded; slack for the rest. */
export const STOP_TIMEOUT_S = Math.ceil(KILL_GRACE_MS / 1000) + 28;

const quote = (words: string[]) => words.map((w) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(w) ? w : shQuote(w))).join(" ");
const unitName = (dir: string) => `calf-${path.basename(dir).replace(/[^A-Za-z0-9_-]/g, "-") || "pipelines"}`;

/** Hardening that keeps the JavaScript JIT (no MemoryDenyWriteExecute) and bubblewrap (no syscall filter, no NoNewPrivileges) working. */
const HARDENING = [
  "PrivateTmp=yes",
  "ProtectSystem=full",
  "ProtectKernelTunables=yes",
  "ProtectKernelModules=yes",
  "ProtectControlGroups=yes",
  "RestrictRealtime=yes",
  "LockPersonality=yes",
];

/** The long-running service: `calf serve`, restarted on failure but not on a bad spec or flag (exit 2). */
export function serviceUnit(o: UnitOptions): string {
  const state = o.user ? "%S/calf" : "/var/lib/calf";
  return [
    "[Unit]",
    `Description=calf pipelines in ${o.dir}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `WorkingDirectory=${o.dir}`,
    `ExecStart=${quote([...o.self, "serve", ...o.args])}`,
    ...userLines(o),
    "Restart=on-failure",
    "RestartSec=5s",
    "# Exit 2 is a bad spec, flag or setting: restarting would not fix it.",
    "RestartPreventExitStatus=2",
    "# SIGTERM to calf alone: it stops its transforms (SIGTERM, then SIGKILL) and records the job.",
    "KillMode=mixed",
    `TimeoutStopSec=${STOP_TIMEOUT_S}s`,
    "# calf unpacks its database driver into TMPDIR: a private folder that allows executables.",
    "StateDirectory=calf",
    `Environment=TMPDIR=${state}`,
    "# To listen beyond loopback: EnvironmentFile=/etc/calf/token (CALF_API_TOKEN=...) and --listen in ExecStart.",
    ...HARDENING,
    "",
    "[Install]",
    `WantedBy=${o.user ? "default.target" : "multi-user.target"}`,
    "",
  ].join("\n");
}

/** The cron-like pair: a oneshot `run --once` and a timer every 5 minutes (Persistent: catches up after downtime). */
export function timerUnits(o: UnitOptions): { service: string; timer: string } {
  const name = unitName(o.dir);
  const state = o.user ? "%S/calf" : "/var/lib/calf";
  const service = [
    "[Unit]",
    `Description=calf run --once for the pipelines in ${o.dir}`,
    "",
    "[Service]",
    "Type=oneshot",
    `WorkingDirectory=${o.dir}`,
    `ExecStart=${quote([...o.self, "run", "--once", "--quiet", ...o.args])}`,
    ...userLines(o),
    "# Exit 75: the previous run (or a calf serve) still holds the data dir: not a failure.",
    "SuccessExitStatus=75",
    "KillMode=mixed",
    `TimeoutStopSec=${STOP_TIMEOUT_S}s`,
    "StateDirectory=calf",
    `Environment=TMPDIR=${state}`,
    ...HARDENING,
    "",
  ].join("\n");
  const timer = [
    "[Unit]",
    `Description=Run ${name}.service every 5 minutes`,
    "",
    "[Timer]",
    "OnCalendar=*:0/5",
    "Persistent=true",
    "RandomizedDelaySec=10s",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
  return { service, timer };
}

/** The name of the user who owns `dir` (undefined when /etc/passwd does not say). */
function ownerOf(dir: string): string | undefined {
  try {
    return userName(fs.readFileSync("/etc/passwd", "utf8"), fs.statSync(dir).uid);
  } catch {
    return undefined;
  }
}

export const installServiceCommand: Command = {
  words: ["install-service"], usage: "install-service [--user] [--timer] [--calf PATH]",
  summary: "print a systemd unit (or a timer pair) that runs calf for this folder",
  details: [
    "Prints, does not install: save the text where the comments say (User= is the folder's owner), then",
    "`systemctl daemon-reload` and `systemctl enable --now NAME` (with --user: `systemctl --user ...`).",
    "The service runs `calf serve` and restarts it on failure (not on exit 2: a bad spec or flag).",
    "--timer prints a oneshot `calf run --once` service and a timer every 5 minutes instead, for a",
    "folder that only needs batch runs (as the crontab line in README does).",
  ].join("\n"),
  flags: { user: "bool", timer: "bool", calf: "string" },
  flagHelp: {
    user: "a unit for `systemctl --user` (no User= line; WantedBy=default.target)",
    timer: "print the `run --once` service and its timer instead of the long-running service",
    calf: "PATH: the calf binary ExecStart runs (default: this one)",
  },
  examples: [
    "calf install-service | sudo tee /etc/systemd/system/calf-pipelines.service",
    "mkdir -p ~/.config/systemd/user && calf install-service --user > ~/.config/systemd/user/calf.service && systemctl --user enable --now calf",
    "calf install-service --timer",
  ],
  mode: "none",
  async run(ctx, p) {
    const h = ctx.host;
    const dataDir = path.relative(h.cwd, ctx.settings.dataDir);
    const pipelines = path.relative(h.cwd, ctx.settings.pipelinesDir);
    const args = [
      ...(dataDir === ".calf" ? [] : ["--data-dir", ctx.settings.dataDir]),
      ...(pipelines === "pipelines" ? [] : ["--pipelines", ctx.settings.pipelinesDir]),
    ];
    const o: UnitOptions = { dir: h.cwd, self: str(p.flags, "calf") ? [path.resolve(h.cwd, str(p.flags, "calf")!)] : h.self, user: bool(p.flags, "user"), args, owner: ownerOf(h.cwd) };
    const name = unitName(h.cwd);
    const where = o.user ? "~/.config/systemd/user" : "/etc/systemd/system";
    if (bool(p.flags, "timer")) {
      const u = timerUnits(o);
      ctx.out.write(`# ${where}/${name}.service\n${u.service}\n# ${where}/${name}.timer\n${u.timer}`);
    } else ctx.out.write(`# ${where}/${name}.service\n${serviceUnit(o)}`);
    return 0;
  },
};
