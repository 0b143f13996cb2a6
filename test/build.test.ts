// The single binary (SPEC §8): dist/calf, copied alone into an empty temp dir, runs
// with a clean environment whose PATH has no bun, node or deno, and no node_modules
// above it. Builds dist/calf first unless it is newer than every source file.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildBinary, DEFAULT_OUTFILE, ROOT } from "../build.ts";
import { loadRuntime } from "../runtime/index.ts";

const VERSION: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
// The tools the shell lines below use; `printf` and `command` are sh builtins.
const TOOLS = ["sh", "cat"];

let box: string; // temp root: bin/ (PATH), home/, tmp/ (TMPDIR), work/ (cwd), calf
let env: Record<string, string>;

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

async function freshBinary(): Promise<string> {
  const sources = ["src", "runtime", "build.ts", "package.json", "package-lock.json"].map((p) => join(ROOT, p));
  const newest = Math.max(...sources.filter(existsSync).map(newestMtime));
  if (existsSync(DEFAULT_OUTFILE) && statSync(DEFAULT_OUTFILE).mtimeMs > newest) return DEFAULT_OUTFILE;
  return buildBinary();
}

/** Runs a shell line in the clean environment (sh by absolute path: PATH is ours). */
function sh(line: string) {
  const r = spawnSync("/bin/sh", ["-c", line], { cwd: join(box, "work"), env, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  const calf = await freshBinary();
  box = realpathSync(mkdtempSync(join(tmpdir(), "calf-bin-")));
  for (const dir of ["bin", "home", "tmp", "work"]) mkdirSync(join(box, dir));
  for (const tool of TOOLS) {
    const found = ["/usr/bin", "/bin"].map((d) => join(d, tool)).find(existsSync);
    if (!found) throw new Error(`build.test.ts: "${tool}" not found in /usr/bin or /bin`);
    symlinkSync(found, join(box, "bin", tool));
  }
  copyFileSync(calf, join(box, "calf"));
  // Like `env -i`: nothing of ours leaks in. PATH is a dir of symlinks to TOOLS only,
  // because /usr/bin may well hold node (it does on the dev image).
  env = { PATH: join(box, "bin"), HOME: join(box, "home"), TMPDIR: join(box, "tmp"), CALF_DATA_DIR: join(box, "work", "data") };
}, 120_000);

afterAll(() => {
  if (box) rmSync(box, { recursive: true, force: true });
});

test("the clean environment has no bun, node or deno and no node_modules above it", () => {
  for (const tool of ["bun", "node", "deno", "npx"]) {
    expect(sh(`command -v ${tool}`).code).not.toBe(0);
  }
  for (let dir = box; dir !== "/"; dir = dirname(dir)) {
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
  }
});

test("calf --version exits 0 and prints the package version, the build's commit and date", () => {
  const r = sh("../calf --version");
  expect(r.code).toBe(0);
  const m = /^calf (\S+) \(([0-9a-f]{12})(-dirty)? (\d{4}-\d{2}-\d{2})\)\n$/.exec(r.stdout);
  expect(m?.[1]).toBe(VERSION);
  // The commit is one of this repository's (the binary may predate HEAD: freshBinary() reuses it).
  expect(spawnSync("git", ["-C", ROOT, "cat-file", "-e", `${m![2]}^{commit}`]).status).toBe(0);
  const built = Date.parse(`${m![4]}T00:00:00Z`);
  expect(built).toBeLessThanOrEqual(Date.now());
  // The date is the day dist/calf was built (the day its file was written, give or take a midnight).
  expect(Math.abs(built - Date.parse(new Date(statSync(DEFAULT_OUTFILE).mtimeMs).toISOString().slice(0, 10)))).toBeLessThanOrEqual(86_400_000);
});

test("calf create repo, put file from stdin and get file round-trip the bytes", () => {
  expect(sh("../calf create repo r")).toMatchObject({ code: 0 });
  expect(sh("printf hi | ../calf put file r@master:/f -f -")).toMatchObject({ code: 0 });
  expect(sh("../calf get file r@master:/f")).toMatchObject({ code: 0, stdout: "hi" });
});

test("calf extracts its libSQL driver into $TMPDIR (so TMPDIR must be writable)", () => {
  expect(readdirSync(join(box, "tmp")).some((f) => f.endsWith(".node"))).toBe(true);
});

// bun:ffi (mkfifo, flock) and argv, from inside a compiled binary: the contract
// helper compiled alone, so this holds whatever src/ does with the runtime.
test("a compiled binary can mkfifo and flock through bun:ffi and sees its own argv", async () => {
  const helper = await buildBinary({ entry: join(ROOT, "test/runtime/_helper.ts"), outfile: join(box, "helper") });
  expect(sh(`../helper args a "b c"`)).toMatchObject({ code: 0, stdout: `${JSON.stringify(["args", "a", "b c"])}\n` });

  expect(sh(`../helper fifo fifo`)).toMatchObject({ code: 0, stdout: "ok\n" });
  expect(statSync(join(box, "work", "fifo")).isFIFO()).toBe(true);

  const lockPath = join(box, "work", "lock");
  const lock = (await loadRuntime()).tryLock(lockPath);
  expect(lock).not.toBeNull();
  try {
    expect(sh(`../helper lock lock`)).toMatchObject({ code: 3, stdout: "busy\n" });
  } finally {
    lock?.release();
  }
  rmSync(helper);
}, 120_000);
