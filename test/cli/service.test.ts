import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { serviceUnit, STOP_TIMEOUT_S, timerUnits, userName } from "../../src/cli/service.ts";
import { KILL_GRACE_MS } from "../../src/transform/stop.ts";
import { calf } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const o = { dir: "/srv/my pipelines", self: ["/usr/local/bin/calf"], user: false, args: [] };
const lines = (text: string) => text.split("\n");
const value = (text: string, key: string) => lines(text).find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);

describe("serviceUnit()", () => {
  test("serviceUnit() runs calf serve in the folder, restarts on failure but not on exit 2, and stops within the drain bound", () => {
    const u = serviceUnit(o);
    expect(value(u, "WorkingDirectory")).toBe("/srv/my pipelines");
    expect(value(u, "ExecStart")).toBe("/usr/local/bin/calf serve");
    expect(value(u, "Restart")).toBe("on-failure");
    expect(value(u, "RestartSec")).toBe("5s");
    expect(value(u, "RestartPreventExitStatus")).toBe("2");
    expect(value(u, "KillMode")).toBe("mixed");
    expect(Number(value(u, "TimeoutStopSec")!.replace("s", ""))).toBe(STOP_TIMEOUT_S);
    expect(STOP_TIMEOUT_S * 1000).toBeGreaterThan(KILL_GRACE_MS);
    expect(value(u, "User")).toBe("calf");
    expect(value(u, "StateDirectory")).toBe("calf");
    expect(value(u, "Environment")).toBe("TMPDIR=/var/lib/calf");
    expect(value(u, "WantedBy")).toBe("multi-user.target");
  });

  test("serviceUnit() hardens without breaking the JIT or bubblewrap: no MemoryDenyWriteExecute, NoNewPrivileges or syscall filter", () => {
    const u = serviceUnit(o);
    for (const bad of ["MemoryDenyWriteExecute", "NoNewPrivileges", "SystemCallFilter"]) expect(u).not.toContain(`${bad}=`);
    expect(value(u, "PrivateTmp")).toBe("yes");
    expect(value(u, "ProtectSystem")).toBe("full");
  });

  test("serviceUnit() for --user has no User= line, a state dir under %S and the default target; quotes odd paths in ExecStart", () => {
    const u = serviceUnit({ ...o, user: true, self: ["/opt/my tools/calf"], args: ["--data-dir", "/data/x"] });
    expect(value(u, "User")).toBeUndefined();
    expect(value(u, "Environment")).toBe("TMPDIR=%S/calf");
    expect(value(u, "WantedBy")).toBe("default.target");
    expect(value(u, "ExecStart")).toBe("'/opt/my tools/calf' serve --data-dir /data/x");
  });
});

describe("userName() and User=", () => {
  test.each<[string, number, string | undefined]>([
    ["root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n", 1000, "alice"],
    ["root:x:0:0:root:/root:/bin/bash\n", 0, "root"],
    ["root:x:0:0:root:/root:/bin/bash\n", 1000, undefined],
    ["# comment\n\nbroken line\n", 0, undefined],
  ])("userName(%p, %p) is %p", (passwd, uid, want) => {
    expect(userName(passwd, uid)).toBe(want);
  });

  test("serviceUnit() runs as the folder's owner when it is known, and leaves User= to fill in when not", () => {
    expect(value(serviceUnit({ ...o, owner: "alice" }), "User")).toBe("alice");
    expect(serviceUnit({ ...o, owner: "alice" })).not.toContain("fill in");
    expect(serviceUnit(o)).toContain("# The user calf runs as, who owns the folder above: fill in.\nUser=calf\n");
  });
});

describe("timerUnits()", () => {
  test("timerUnits() is a oneshot run --once (75 is not a failure) and a persistent timer every 5 minutes", () => {
    const { service, timer } = timerUnits(o);
    expect(value(service, "Type")).toBe("oneshot");
    expect(value(service, "ExecStart")).toBe("/usr/local/bin/calf run --once --quiet");
    expect(value(service, "SuccessExitStatus")).toBe("75");
    expect(value(timer, "OnCalendar")).toBe("*:0/5");
    expect(value(timer, "Persistent")).toBe("true");
  });
});

describe("calf install-service", () => {
  test("calf install-service prints the unit for the folder it runs in, with --data-dir when it is not ./.calf, creating nothing", () => {
    const cwd = tempDir();
    try {
      const r = calf(["install-service", "--data-dir", "/var/lib/x"], { cwd });
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n")[0]).toBe(`# /etc/systemd/system/calf-${path.basename(cwd)}.service`);
      expect(value(r.stdout, "WorkingDirectory")).toBe(cwd);
      expect(value(r.stdout, "ExecStart")).toMatch(/ serve --data-dir \/var\/lib\/x$/);
      expect(fs.readdirSync(cwd)).toEqual([]);
      // The folder's owner (here: whoever runs the test), so the unit runs as written.
      const me = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
      expect(value(r.stdout, "User")).toBe(me);
      const t = calf(["install-service", "--timer", "--calf", "/usr/bin/calf"], { cwd });
      expect(t.stdout).toContain("ExecStart=/usr/bin/calf run --once --quiet");
      expect(t.stdout).toContain(`# /etc/systemd/system/calf-${path.basename(cwd)}.timer`);
    } finally {
      removeDir(cwd);
    }
  });

  const analyze = spawnSync("sh", ["-c", "command -v systemd-analyze"]).status === 0;
  test.skipIf(!analyze)("systemd-analyze verify accepts the units", () => {
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, "calf-x.service"), serviceUnit({ ...o, dir: "/" }).replace("User=calf", "User=root"));
      const r = spawnSync("systemd-analyze", ["verify", path.join(dir, "calf-x.service")], { encoding: "utf8" });
      expect(r.stderr).not.toMatch(/Unknown (key|section)|Invalid/);
    } finally {
      removeDir(dir);
    }
  });
});
