// Picks the Runtime for the JavaScript runtime we are on. The adapters are imported
// lazily so that bun:ffi is never loaded on Deno nor Deno.* touched on Bun; both are
// still static specifiers, so `bun build --compile` bundles them.
import type { Runtime } from "./types.ts";

export type { Child, FileLock, Runtime, Server, ServeOptions, SpawnOptions, SpawnResult } from "./types.ts";

export async function loadRuntime(): Promise<Runtime> {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return (await import("./bun.ts")).bunRuntime;
  if (g.Deno !== undefined) return (await import("./deno.ts")).denoRuntime;
  throw new Error("calf needs Bun or Deno to run (found neither globalThis.Bun nor globalThis.Deno)");
}
