import { describe, expect, test } from "bun:test";
import { bwrapArgv, type Bind, type RootEntry } from "../../src/run/sandbox.ts";

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
const argv = bwrapArgv({ root, inputs, outDir: "/data/scratch/1/pfs/out", keep: ["/tmp/project", "/tmp/work"], cwd: "/tmp/project", argv: ["sh", "-c", "echo -- /pfs"] });

/** [flag, ...operands] groups in order, up to the "--" that starts the command. */
function groups(a: string[]): string[][] {
  const arity: Record<string, number> = { "--ro-bind": 2, "--bind": 2, "--symlink": 2, "--dev": 1, "--proc": 1, "--tmpfs": 1, "--dir": 1, "--chdir": 1 };
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
  test("bwrapArgv() starts bwrap with a PID namespace that dies with calf", () => {
    expect(argv[0]).toBe("bwrap");
    expect(g.slice(0, 2)).toEqual([["--die-with-parent"], ["--unshare-pid"]]);
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
    const a = bwrapArgv({ root: [{ name: "usr" }], inputs: [], outDir: "/o", keep: [], cwd: "/", argv: ["true"] });
    expect(a).toEqual([
      "bwrap", "--die-with-parent", "--unshare-pid",
      "--ro-bind", "/usr", "/usr", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
      "--dir", "/pfs", "--bind", "/o", "/pfs/out", "--chdir", "/", "--", "true",
    ]);
  });
});
