import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { boxArgv, bwrapArgv, CHANNEL, goLine, jobScript, runnerScript, shQuote, statusOf, type Bind, type RootEntry, type SandboxPlan } from "../../src/transform/sandbox.ts";

const root: RootEntry[] = [
  { name: "bin", link: "usr/bin" },
  { name: "dev" },
  { name: "etc" },
  { name: "lib64", link: "usr/lib64" },
  { name: "pfs" },
  { name: "proc" },
  { name: "tmp" },
  { name: "usr" },
];
const inputs: Bind[] = [
  { src: "/data/objects/ab/cdef", dest: "/pfs/in/a.txt" },
  { src: "/data/scratch/in/other", dest: "/pfs/other" },
];
const plan: SandboxPlan = {
  root, keep: ["/tmp/project", "/tmp/work"], hide: [{ path: "/srv/p/.calf", dir: true }, { path: "/srv/calf.db", dir: false }],
  path: "/usr/bin:/bin", userns: true, disableUserns: true,
};
const argv = bwrapArgv({ plan, inputs, outDir: "/data/scratch/1/pfs/out", cwd: "/tmp/project", argv: ["sh", "-c", "echo -- /pfs"] });

/** [flag, ...operands] groups in order, up to the "--" that starts the command. */
function groups(a: string[]): string[][] {
  const arity: Record<string, number> = { "--ro-bind": 2, "--bind": 2, "--symlink": 2, "--dev": 1, "--proc": 1, "--tmpfs": 1, "--dir": 1, "--chdir": 1, "--remount-ro": 1, "--cap-drop": 1 };
  const out: string[][] = [];
  for (let i = 1; i < a.length && a[i] !== "--"; ) {
    const n = arity[a[i]!] ?? 0;
    out.push(a.slice(i, i + 1 + n));
    i += 1 + n;
  }
  return out;
}
const g = groups(argv);
const at = (...group: string[]) => g.findIndex((x) => JSON.stringify(x) === JSON.stringify(group));

describe("bwrapArgv()", () => {
  test("bwrapArgv() starts bwrap with PID, IPC and user namespaces that die with calf, and no capabilities", () => {
    expect(argv[0]).toBe("bwrap");
    expect(g.slice(0, 6)).toEqual([["--die-with-parent"], ["--unshare-pid"], ["--unshare-ipc"], ["--unshare-user"], ["--disable-userns"], ["--cap-drop", "ALL"]]);
  });

  test("bwrapArgv() drops every capability even where user namespaces do not work", () => {
    const a = groups(bwrapArgv({ plan: { ...plan, userns: false, disableUserns: false }, inputs, outDir: "/o", cwd: "/", argv: ["true"] }));
    expect(a.slice(0, 4)).toEqual([["--die-with-parent"], ["--unshare-pid"], ["--unshare-ipc"], ["--cap-drop", "ALL"]]);
  });

  test("bwrapArgv() makes /dev read-only but for a private /dev/shm", () => {
    expect(at("--remount-ro", "/dev")).toBeGreaterThan(at("--dev", "/dev"));
    expect(at("--tmpfs", "/dev/shm")).toBeGreaterThan(at("--remount-ro", "/dev"));
  });

  test("bwrapArgv() hides calf's data dir (an empty read-only folder) and a database file kept elsewhere", () => {
    const tmpfs = at("--tmpfs", "/srv/p/.calf");
    expect(tmpfs).toBeGreaterThan(at("--ro-bind", "/tmp/work", "/tmp/work"));
    expect(at("--remount-ro", "/srv/p/.calf")).toBe(tmpfs + 1);
    expect(at("--ro-bind", "/dev/null", "/srv/calf.db")).toBeGreaterThan(tmpfs);
    expect(at("--ro-bind", "/dev/null", "/srv/calf.db")).toBeLessThan(at("--dir", "/pfs"));
  });

  test("bwrapArgv() seals the sandbox's root read-only after the last mount", () => {
    expect(g[g.length - 2]).toEqual(["--remount-ro", "/"]);
    expect(at("--remount-ro", "/")).toBeGreaterThan(at("--bind", "/data/scratch/1/pfs/out", "/pfs/out"));
  });

  test.each([
    ["/etc", ["--ro-bind", "/etc", "/etc"]],
    ["/usr", ["--ro-bind", "/usr", "/usr"]],
  ])("bwrapArgv() binds the host's %s read-only", (_dir, group) => {
    expect(at(...group)).toBeGreaterThan(-1);
  });

  test.each([
    ["/bin", ["--symlink", "usr/bin", "/bin"]],
    ["/lib64", ["--symlink", "usr/lib64", "/lib64"]],
  ])("bwrapArgv() recreates the symlinked root entry %s as a symlink, not a bind", (name, group) => {
    expect(at(...group)).toBeGreaterThan(-1);
    expect(g.some((x) => x[0] !== "--symlink" && x.includes(name))).toBe(false);
  });

  test.each(["/proc", "/dev", "/tmp", "/pfs"])("bwrapArgv() does not bind the host's %s", (dir) => {
    expect(g.some((x) => (x[0] === "--ro-bind" || x[0] === "--bind") && x[1] === dir)).toBe(false);
  });

  test("bwrapArgv() mounts fresh /dev, /proc and a private tmpfs /tmp", () => {
    expect(at("--dev", "/dev")).toBeGreaterThan(-1);
    expect(at("--proc", "/proc")).toBeGreaterThan(-1);
    expect(at("--tmpfs", "/tmp")).toBeGreaterThan(-1);
  });

  test("bwrapArgv() binds the kept /tmp folders back read-only after the tmpfs", () => {
    const tmpfs = at("--tmpfs", "/tmp");
    for (const k of ["/tmp/project", "/tmp/work"]) expect(at("--ro-bind", k, k)).toBeGreaterThan(tmpfs);
  });

  test("bwrapArgv() binds inputs read-only under /pfs, then the writable /pfs/out", () => {
    const dir = at("--dir", "/pfs");
    const ins = inputs.map((b) => at("--ro-bind", b.src, b.dest));
    const out = at("--bind", "/data/scratch/1/pfs/out", "/pfs/out");
    expect(dir).toBeGreaterThan(at("--tmpfs", "/tmp"));
    for (const i of ins) {
      expect(i).toBeGreaterThan(dir);
      expect(i).toBeLessThan(out);
    }
    expect(g.filter((x) => x[0] === "--bind")).toEqual([["--bind", "/data/scratch/1/pfs/out", "/pfs/out"]]);
  });

  test("bwrapArgv() changes to the working dir and ends with -- and the command unchanged", () => {
    expect(g[g.length - 1]).toEqual(["--chdir", "/tmp/project"]);
    const sep = argv.indexOf("--");
    expect(argv.slice(sep + 1)).toEqual(["sh", "-c", "echo -- /pfs"]);
  });

  test("bwrapArgv() with no inputs and no kept folders still makes /pfs and /pfs/out", () => {
    const a = bwrapArgv({ plan: { ...plan, root: [{ name: "usr" }], keep: [], hide: [], userns: false }, inputs: [], outDir: "/o", cwd: "/", argv: ["true"] });
    expect(a).toEqual([
      "bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--cap-drop", "ALL",
      "--ro-bind", "/usr", "/usr", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--remount-ro", "/dev", "--tmpfs", "/dev/shm",
      "--dir", "/pfs", "--bind", "/o", "/pfs/out", "--remount-ro", "/", "--chdir", "/", "--", "true",
    ]);
  });
});

describe("boxArgv() (the slot sandbox)", () => {
  const a = boxArgv({ plan: { ...plan, keep: ["/tmp/project"] }, pfsDir: "/d/s/1/pfs", outDir: "/d/s/1/pfs/out", channelDir: "/d/s/1/channel" });
  const gb = groups(a);
  const atb = (...group: string[]) => gb.findIndex((x) => JSON.stringify(x) === JSON.stringify(group));

  test("boxArgv() mounts the slot's folder read-only at /pfs, /pfs/out writable, the channel read-only, then seals the root", () => {
    const pfs = atb("--ro-bind", "/d/s/1/pfs", "/pfs");
    expect(pfs).toBeGreaterThan(atb("--ro-bind", "/tmp/project", "/tmp/project"));
    expect(atb("--bind", "/d/s/1/pfs/out", "/pfs/out")).toBe(pfs + 1);
    expect(atb("--ro-bind", "/d/s/1/channel", CHANNEL)).toBe(pfs + 2);
    expect(atb("--remount-ro", "/")).toBe(pfs + 3);
    expect(gb.filter((x) => x[0] === "--bind")).toEqual([["--bind", "/d/s/1/pfs/out", "/pfs/out"]]);
  });

  test("boxArgv() with binds builds /pfs from them (a datum's own sandbox) instead of the slot's folder", () => {
    const b = groups(boxArgv({ plan, pfsDir: "/d/s/1/pfs", outDir: "/d/s/1/pfs/out", channelDir: "/d/s/1/channel", binds: inputs }));
    const has = (...x: string[]) => b.findIndex((y) => JSON.stringify(y) === JSON.stringify(x));
    expect(has("--ro-bind", "/d/s/1/pfs", "/pfs")).toBe(-1);
    expect(has("--dir", "/pfs")).toBeGreaterThan(-1);
    for (const i of inputs) expect(has("--ro-bind", i.src, i.dest)).toBeGreaterThan(has("--dir", "/pfs"));
    expect(has("--ro-bind", "/d/s/1/channel", CHANNEL)).toBeGreaterThan(has("--bind", "/d/s/1/pfs/out", "/pfs/out"));
  });

  test("boxArgv() runs the runner as PID 1 of a namespace that dies with calf, in its own session, with no environment and no capabilities", () => {
    expect(gb.slice(0, 8)).toEqual([["--die-with-parent"], ["--unshare-pid"], ["--unshare-ipc"], ["--unshare-user"], ["--disable-userns"], ["--cap-drop", "ALL"], ["--as-pid-1"], ["--new-session"]]);
    expect(a.slice(a.indexOf("--") + 1)).toEqual(["/bin/sh", "-c", runnerScript(["/tmp/project"])]);
    expect(a).toContain("--clearenv");
  });

  test("runnerScript() sends the job's stdout and stderr to the channel's FIFOs and empties /tmp and /dev/shm", () => {
    const r = runnerScript([]);
    expect(r).toContain(`>${CHANNEL}/out 2>${CHANNEL}/err`);
    expect(r).toContain("/dev/shm/*");
  });

  test("runnerScript() spares the kept /tmp folders when it empties /tmp", () => {
    expect(runnerScript(["/tmp/project/sub", "/home/x"])).toContain("case $f in '/tmp/project') continue;; esac");
    expect(runnerScript(["/home/x"])).not.toContain("case $f");
  });
});

/** Runs `script` under sh with `env`; returns what it printed (stdout then stderr) and its status. */
function sh(script: string, env: Record<string, string> = {}): { out: string; status: number | null } {
  const r = spawnSync("/bin/sh", ["-c", script], { env, encoding: "utf8" });
  return { out: r.stdout + r.stderr, status: r.status };
}

describe("shQuote() and jobScript()", () => {
  test("shQuote() keeps every byte literal for sh", () => {
    for (const s of ["", "plain", "it's", "$HOME `id` $(id) \\ \"q\" *", "line\nbreak", "'''"]) {
      expect(sh(`printf %s ${shQuote(s)}`).out).toBe(s);
    }
  });

  /** Sources the job script in a subshell, as the runner does. */
  const source = (script: string) => sh(`( . /dev/stdin ) <<'CALF_EOF'\n${script}CALF_EOF\n`);
  const envLines = (out: string) => out.trim().split("\n").filter((l) => !l.startsWith("PWD=") && !l.startsWith("OLDPWD="));

  test("jobScript() gives the command exactly its env, cwd and argv, byte for byte", () => {
    const script = jobScript({
      argv: ["sh", "-c", 'echo "$#|$1|$2|$(pwd)"; env | sort', "x", "a b", "it's $X"],
      env: { PATH: "/usr/bin:/bin", X: "1", Q: "a'b c" }, cwd: "/usr", stdin: false,
    });
    const { out, status } = source(script);
    expect(status).toBe(0);
    const [first, ...rest] = envLines(out);
    expect(first).toBe("2|a b|it's $X|/usr");
    expect(rest).toEqual(["PATH=/usr/bin:/bin", "Q=a'b c", "X=1"]);
  });

  test("jobScript() falls back to env -i for names sh cannot export, and drops undefined values", () => {
    // argv is env(1) itself: sh would drop the odd name from its own environment.
    const script = jobScript({ argv: ["env"], env: { PATH: "/usr/bin:/bin", "BASH_FUNC_f%%": "() { :; }", GONE: undefined }, cwd: "/", stdin: false });
    expect(script).toContain("env -i");
    expect(envLines(source(script).out).sort()).toEqual(["BASH_FUNC_f%%=() { :; }", "PATH=/usr/bin:/bin"]);
  });

  test.each<[string, Record<string, string | undefined>, string | null]>([
    ["nothing changed", { PATH: "/bin", A: "1" }, ""],
    ["a changed value, quoted", { PATH: "/bin", A: "it's" }, "export A='it'\\''s'"],
    ["a new name and a dropped one", { PATH: "/bin", B: "2" }, "export B='2'; unset A"],
    ["a value with a line break", { PATH: "/bin", A: "a\nb" }, null],
    ["a name sh cannot export", { PATH: "/bin", A: "1", "BASH_FUNC_f%%": "x" }, null],
    ["more than 16 KiB of changes", { PATH: "/bin", A: "x".repeat(17 * 1024) }, null],
  ])("goLine() against {PATH, A=1}: %s", (_what, env, want) => {
    expect(goLine({ PATH: "/bin", A: "1" }, env)).toBe(want);
  });

  test("a job script evals the go line before exec: the command sees exactly the new environment", () => {
    const base = { PATH: "/usr/bin:/bin", A: "1", B: "gone" };
    const next = { PATH: "/usr/bin:/bin", A: "a'b $X", C: "new" };
    const script = jobScript({ argv: ["sh", "-c", "env | sort"], env: base, cwd: "/", stdin: false });
    const r = sh(`__calf_go=${shQuote(goLine(base, next)!)}; ( . /dev/stdin ) <<'CALF_EOF'\n${script}CALF_EOF\n`);
    expect(envLines(r.out)).toEqual(["A=a'b $X", "C=new", "PATH=/usr/bin:/bin"]);
  });

  test("jobScript() exits 127 when the working directory is missing", () => {
    expect(source(jobScript({ argv: ["true"], env: {}, cwd: "/calf-no-such-dir", stdin: false })).status).toBe(127);
  });
});

describe("statusOf()", () => {
  test.each<[string, { exitCode: number | null; signal: string | null }]>([
    ["0", { exitCode: 0, signal: null }],
    ["3", { exitCode: 3, signal: null }],
    ["127", { exitCode: 127, signal: null }],
    ["128", { exitCode: 128, signal: null }],
    ["137", { exitCode: null, signal: "SIGKILL" }],
    ["143", { exitCode: null, signal: "SIGTERM" }],
    ["255", { exitCode: 255, signal: null }],
  ])("statusOf(%p)", (answer, want) => {
    expect(statusOf(answer)).toEqual(want);
  });

  test.each(["", "x", "-1", "256", "1 2"])("statusOf(%p) is an error, not a status", (answer) => {
    expect(() => statusOf(answer)).toThrow("not an exit status");
  });
});
