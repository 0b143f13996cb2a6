// `bun run build.ts [entry] [--outfile FILE]` -> dist/calf: one executable with libSQL's
// native driver embedded. Runs checkBeforeBuild() first, so a broken example pipeline
// fails the build before a binary exists. Bun only (Bun.build); never imported by src/.
import type { BunPlugin } from "bun";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import process from "node:process";

export const ROOT = import.meta.dir;
export const DEFAULT_ENTRY = join(ROOT, "src/main.ts");
export const DEFAULT_OUTFILE = join(ROOT, "dist/calf");

/**
 * Everything that can be checked before compiling: every example spec in
 * pipelines/ lints (the sample data is a folder-backed repo declared there,
 * so its folder must exist too).
 */
export async function checkBeforeBuild(): Promise<void> {
  const { loadFolder } = await import("./src/spec/load.ts");
  const { formatIssue } = await import("./src/spec/format.ts");
  const dir = join(ROOT, "pipelines");
  const { issues } = await loadFolder(dir, { existingRepos: [] });
  if (issues.length) throw new Error(`example pipelines do not lint:\n${issues.map(formatIssue).join("\n")}`);
}

function hostLibc(): "gnu" | "musl" {
  // musl systems have /lib/ld-musl-<arch>.so.1 (glibc: /lib64/ld-linux-*.so.2).
  return existsSync("/lib") && readdirSync("/lib").some((f) => f.startsWith("ld-musl-")) ? "musl" : "gnu";
}

/** The @libsql/* package libsql/index.js would pick at run time on this platform. */
export function libsqlNativePackage(platform = process.platform, arch = process.arch, libc = hostLibc()): string {
  const targets: Record<string, string> = {
    "linux-x64": `linux-x64-${libc}`,
    "linux-arm64": `linux-arm64-${libc}`,
    "linux-arm": libc === "musl" ? "linux-arm-musleabihf" : "linux-arm-gnueabihf",
    "darwin-x64": "darwin-x64",
    "darwin-arm64": "darwin-arm64",
    "win32-x64": "win32-x64-msvc",
  };
  const target = targets[`${platform}-${arch}`];
  if (!target) throw new Error(`build.ts: libSQL ships no native driver for ${platform}-${arch}`);
  return `@libsql/${target}`;
}

// libsql/index.js and libsql/promise.js both end requireNative() with this line.
const DYNAMIC_REQUIRE = "require(`@libsql/${target}`)";

/**
 * Bun embeds a `.node` addon only when a static require reaches it. libsql picks its
 * package name at run time, so rewrite that require to the build host's package.
 */
export function libsqlNativePlugin(pkg = libsqlNativePackage()): BunPlugin {
  return {
    name: "calf-libsql-static-native",
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]libsql[\\/](index|promise)\.js$/ }, ({ path }) => {
        try {
          createRequire(path).resolve(pkg);
        } catch {
          const version = JSON.parse(readFileSync(join(dirname(path), "package.json"), "utf8")).version;
          throw new Error(
            `build.ts: libSQL's native driver "${pkg}" is not installed next to ${path}; ` +
              `run "npm install" on this platform, or "npm install --no-save ${pkg}@${version}"`,
          );
        }
        const source = readFileSync(path, "utf8");
        if (!source.includes(DYNAMIC_REQUIRE)) {
          throw new Error(`build.ts: ${path} no longer contains ${DYNAMIC_REQUIRE}; update libsqlNativePlugin()`);
        }
        return { contents: source.replace(DYNAMIC_REQUIRE, `require(${JSON.stringify(pkg)})`), loader: "js" };
      });
    },
  };
}

/**
 * What `calf --version` names (src/version.ts): the commit being built (12 hex
 * digits, "-dirty" with uncommitted changes to tracked files, "unknown" outside
 * git) and the build date (UTC; SOURCE_DATE_EPOCH, when set, for reproducible builds).
 */
export function buildInfo(root = ROOT, env = process.env): { commit: string; date: string } {
  const git = (...args: string[]) => spawnSync("git", ["-C", root, ...args], { encoding: "utf8" });
  const head = git("rev-parse", "--short=12", "HEAD");
  let commit = "unknown";
  if (head.status === 0) {
    commit = head.stdout.trim();
    if (git("status", "--porcelain", "--untracked-files=no").stdout.trim() !== "") commit += "-dirty";
  }
  const epoch = env.SOURCE_DATE_EPOCH && /^\d+$/.test(env.SOURCE_DATE_EPOCH) ? Number(env.SOURCE_DATE_EPOCH) * 1000 : Date.now();
  return { commit, date: new Date(epoch).toISOString().slice(0, 10) };
}

export interface BuildOptions {
  entry?: string;
  outfile?: string;
}

/** Compiles `entry` into one executable at `outfile` (returned). */
export async function buildBinary({ entry = DEFAULT_ENTRY, outfile = DEFAULT_OUTFILE }: BuildOptions = {}): Promise<string> {
  const result = await Bun.build({
    entrypoints: [resolve(entry)],
    target: "bun",
    // Bytecode skips parsing the bundle at every start: `calf --version` ~80 -> ~30 ms.
    // ESM, because src/main.ts uses top-level await (bytecode defaults to CommonJS).
    format: "esm",
    bytecode: true,
    minify: true,
    sourcemap: "none",
    plugins: [libsqlNativePlugin()],
    // src/version.ts reads these; from source they are undefined and --version says "dev".
    define: (({ commit, date }) => ({ CALF_BUILD_COMMIT: JSON.stringify(commit), CALF_BUILD_DATE: JSON.stringify(date) }))(buildInfo()),
    // A user's .env or bunfig.toml in the folder where calf runs must not change calf.
    compile: { outfile: resolve(outfile), autoloadDotenv: false, autoloadBunfig: false },
    throw: false,
  });
  if (!result.success) {
    throw new Error(`build.ts: bun build --compile ${entry} failed:\n${result.logs.map(String).join("\n")}`);
  }
  return resolve(outfile);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--outfile");
  const outfile = at >= 0 ? args.splice(at, 2)[1] : undefined;
  try {
    await checkBeforeBuild();
    const started = performance.now();
    const out = await buildBinary({ entry: args[0], outfile });
    console.log(`built ${out} in ${Math.round(performance.now() - started)} ms`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
