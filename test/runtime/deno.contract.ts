// Runs the runtime contract (contract.ts) under Deno.test against runtime/deno.ts:
//   npx deno test -A test/runtime/deno.contract.ts
// Not named *.test.ts / *_test.ts so that `bun test` does not pick it up.
import assert from "node:assert/strict";
import { loadRuntime } from "../../runtime/index.ts";
import { HELPER_PATH, runtimeContract, withTimeout } from "./contract.ts";

// The two members used here, so the project's tsc (types: bun, node) can check this file.
declare const Deno: { execPath(): string; test(t: { name: string; fn: () => void | Promise<void> }): void };

const rt = await loadRuntime();

Deno.test({ name: "loadRuntime() picks the Deno adapter on Deno", fn: () => assert.equal(rt.name, "deno") });

for (const c of runtimeContract(rt, { helperArgv: [Deno.execPath(), "run", "-A", HELPER_PATH] })) {
  Deno.test({ name: c.name, fn: withTimeout(c.name, c.timeoutMs, c.fn) });
}
