// Runs the runtime contract (contract.ts) under bun:test against runtime/bun.ts,
// reached through loadRuntime() as the app does. The Deno twin is deno.contract.ts.
import { expect, test } from "bun:test";
import process from "node:process";
import { loadRuntime } from "../../runtime/index.ts";
import { HELPER_PATH, runtimeContract } from "./contract.ts";

const rt = await loadRuntime();

test("loadRuntime() picks the Bun adapter on Bun", () => {
  expect(rt.name).toBe("bun");
});

for (const c of runtimeContract(rt, { helperArgv: [process.execPath, HELPER_PATH] })) {
  test(c.name, c.fn, c.timeoutMs);
}
