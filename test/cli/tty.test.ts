// calf on a real terminal: `calf run --once` under a pseudo-terminal
// (util-linux `script`) 50 columns wide draws its live progress line cut to
// the width (replayed through a terminal of that width, nothing but the
// event lines ever wraps, and no live line is left behind); with stderr on a
// pipe it prints RFC 3339-stamped lines instead. calf prints no colour.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf, MAIN } from "../helpers/cli.ts";
import { replay, wrapsOf } from "../helpers/terminal.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const hasScript = spawnSync("sh", ["-c", "command -v script"]).status === 0;
const W = 50;
const NAME = "a-pipeline-with-quite-a-long-name";
let cwd: string;

beforeAll(() => {
  cwd = tempDir();
  fs.mkdirSync(path.join(cwd, "pipelines"));
  // Six datums of 0.3 s one after another: the live line is drawn several times.
  fs.writeFileSync(path.join(cwd, "pipelines/slow.yaml"), `pipeline: {name: ${NAME}}\ntransform: {cmd: [sh, -c, 'sleep 0.3; cp "$images" /pfs/out/']}\ninput: {pfs: {repo: images, glob: "/*"}}\nparallelism_spec: {constant: 1}\n`);
  calf(["create", "repo", "images"], { cwd });
  for (let i = 1; i <= 6; i++) calf(["put", "file", `images@master:/f${i}`, "-f", "-"], { cwd, input: `${i}\n` });
}, 60_000);
afterAll(() => removeDir(cwd));

/** `calf ARGS` with stdout and stderr on a pseudo-terminal `W` columns wide; what the terminal received. */
function onTty(args: string[], env: Record<string, string> = {}): { code: number | null; out: string } {
  const line = `stty cols ${W} rows 30; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} ${args.join(" ")}`;
  const r = spawnSync("script", ["-qfec", line, "/dev/null"], {
    cwd, encoding: "utf8", timeout: 60_000,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, TMPDIR: process.env.TMPDIR ?? "/tmp", CALF_SANDBOX: "none", TERM: "xterm", ...env },
  });
  return { code: r.status, out: r.stdout };
}

describe.skipIf(!hasScript)("calf run --once on a terminal", () => {
  test("the live line is cut to the terminal's width and never wraps; only the event lines stay on the screen", () => {
    const r = onTty(["run", "--once"]);
    expect(r.code).toBe(0);
    // Live lines were drawn (each starts after an erase) and each fits in W - 1 columns.
    const drawn = [...r.out.matchAll(/\x1b\[2K([^\r\n\x1b]+)/g)].map((m) => m[1]!).filter((t) => t.includes("/"));
    expect(drawn.length).toBeGreaterThan(1);
    for (const t of drawn) expect(t.length).toBeLessThanOrEqual(W - 1);
    expect(drawn.some((t) => t.endsWith("…"))).toBe(true);
    const screen = replay(r.out, W);
    expect(screen.logical).toEqual([
      expect.stringMatching(new RegExp(`^${NAME}: job \\w{12} started: 6 datums, 6 to process, 0 to skip$`)),
      expect.stringMatching(new RegExp(`^${NAME}: job \\w{12} success \\(6 processed, 0 skipped, 0 failed; \\d+ ms\\)$`)),
    ]);
    // Every wrap the terminal saw is one of the event lines': no live line ever wrapped.
    expect(screen.wraps).toBe(screen.logical.reduce((n, l) => n + wrapsOf(l.length, W), 0));
    expect(r.out).not.toMatch(/\x1b\[[0-9;]*m/); // no colour
  }, 60_000);

  test("--quiet on a terminal draws no live line", () => {
    calf(["put", "file", "images@master:/f7", "-f", "-"], { cwd, input: "7\n" });
    const r = onTty(["run", "--once", "--quiet"]);
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: "" });
  }, 60_000);
});

describe("calf run --once off a terminal", () => {
  test("with stderr on a pipe every line starts with an RFC 3339 time, and nothing is redrawn", () => {
    calf(["put", "file", "images@master:/f8", "-f", "-"], { cwd, input: "8\n" });
    const r = calf(["run", "--once"], { cwd });
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S/);
    expect(r.stderr).not.toContain("\x1b");
    expect(r.stderr).not.toContain("\r");
  }, 60_000);
});

describe.skipIf(!hasScript)("calf datum run --shell on a terminal", () => {
  test("the shell gets the terminal; Ctrl-C does not end calf under it; calf exits with the shell's status", async () => {
    calf(["run", "--once"], { cwd }); // a job to take a datum from (when this test runs alone)
    const job = JSON.parse(calf(["list", "job", "-o", "json"], { cwd }).stdout).at(-1).id as string;
    const datum = JSON.parse(calf(["list", "datum", job, "-o", "json"], { cwd }).stdout)[0].id as string;
    // A shell without job control stays in calf's process group, so Ctrl-C reaches calf as well (one with job control takes the terminal for itself).
    const shell = path.join(cwd, "plain-shell");
    fs.writeFileSync(shell, "#!/bin/sh\nexec /bin/sh +m -i\n", { mode: 0o755 });
    // SHELL for calf only: script itself runs its command line with $SHELL.
    const line = `stty cols ${W} rows 30; SHELL=${shell} exec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} datum run ${job} ${datum} --shell`;
    const child = spawn("script", ["-qfec", line, "/dev/null"], {
      cwd, stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, TMPDIR: cwd, CALF_SANDBOX: "none", TERM: "xterm" },
    });
    let out = "";
    child.stdout!.on("data", (b: Buffer) => void (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const until = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(out); i++) await Bun.sleep(50);
      expect(out).toMatch(re);
    };
    await until(/eval "\$CALF_TRANSFORM"/);
    child.stdin!.write("tty; echo one\n");
    await until(/\/dev\/pts\/\d+\r?\n(.*\r?\n)*one\r?\n/);
    child.stdin!.write("\x03"); // Ctrl-C: SIGINT to the terminal's foreground group, calf included
    await Bun.sleep(300);
    child.stdin!.write("echo two; exit 4\n");
    expect(await exited).toBe(4);
    expect(out).toMatch(/two\r?\n/);
    expect(fs.readdirSync(cwd).filter((n) => n.startsWith("calf-datum-"))).toEqual([]);
  }, 60_000);
});
