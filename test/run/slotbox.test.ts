import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadRuntime } from "../../runtime/index.ts";
import type { Runtime } from "../../runtime/types.ts";
import { AttemptLog, parseLogLine } from "../../src/run/logs.ts";
import { chooseSandbox } from "../../src/run/probe.ts";
import { SlotBox, type Attempt } from "../../src/run/slotbox.ts";
import { bwrapWorks } from "../helpers/run.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const ENV = { PATH: "/usr/bin:/bin" };
/** Prints the PID namespace the attempt ran in: the same one means the same sandbox. */
const NS = "readlink /proc/self/ns/pid";
let rt: Runtime;
let dir: string;
let box: SlotBox;

beforeAll(async () => {
  rt = await loadRuntime();
});

afterEach(async () => {
  await box?.close();
  if (dir) removeDir(dir);
});

const plan = () => chooseSandbox(rt, { mode: "bwrap", path: ENV.PATH, keep: [], hide: [] });

async function newBox(): Promise<SlotBox> {
  dir = tempDir();
  box = new SlotBox(rt, (await plan())!, path.join(dir, "slot"));
  return box;
}

let seq = 0;
/** One attempt of `sh -c script`; returns its status and what it wrote: `log` (all lines), `out`, `err`. */
async function attempt(script: string, extra: Partial<Attempt> = {}) {
  const file = path.join(dir, `attempt-${seq++}.log`);
  const log = new AttemptLog(file, () => new Date());
  const res = await box.run({ argv: ["sh", "-c", script], env: ENV, cwd: "/", signal: new AbortController().signal, log, ...extra });
  log.close();
  const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l).map(parseLogLine) : [];
  const text = (s?: string) => lines.filter((l) => !s || l.stream === s).map((l) => `${l.text}\n`).join("");
  return { res, log: text(), out: text("out"), err: text("err") };
}

describe.skipIf(!bwrapWorks)("SlotBox", () => {
  test("SlotBox runs attempts one after another in one sandbox: status, log, env, stdin, /pfs/out", async () => {
    await newBox();
    const first = await attempt('echo "out $X"; echo err >&2; cat > /pfs/out/copy; exit 3', { env: { ...ENV, X: "x1" }, stdin: "in\n" });
    expect(first.res).toEqual({ exitCode: 3, signal: null, timedOut: false });
    expect([first.out, first.err]).toEqual(["out x1\n", "err\n"]);
    expect(fs.readFileSync(path.join(box.outDir, "copy"), "utf8")).toBe("in\n");
    // Same sandbox (PID namespace), no leaked env, /dev/null stdin.
    const a = await attempt(`${NS}; echo "\${X-unset} $(cat)"`);
    const b = await attempt(NS);
    expect(a.log).toMatch(/^pid:\[\d+\]\nunset \n$/);
    expect(a.log.startsWith(b.log)).toBe(true);
  });

  test("SlotBox kills what a datum left running and empties /tmp before the next datum", async () => {
    await newBox();
    const first = await attempt("sleep 300 & echo $! > /pfs/out/pid; touch /tmp/left /tmp/.hidden; mkdir /tmp/d");
    expect(first.res.exitCode).toBe(0);
    const pid = fs.readFileSync(path.join(box.outDir, "pid"), "utf8").trim();
    const second = await attempt(`if kill -0 ${pid} 2>/dev/null; then echo alive; else echo gone; fi; ls -A /tmp | wc -l`);
    expect(second.log.split("\n").map((l) => l.trim())).toEqual(["gone", "0", ""]);
  });

  test("SlotBox reports a timeout as SIGTERM + timedOut, and keeps the sandbox", async () => {
    await newBox();
    const ns = (await attempt(NS)).log;
    const slow = await attempt("sleep 30", { timeoutMs: 200 });
    expect(slow.res).toEqual({ exitCode: null, signal: "SIGTERM", timedOut: true });
    expect((await attempt(NS)).log).toBe(ns);
  });

  test("SlotBox's SIGTERM reaches the transform, which may clean up and exit", async () => {
    await newBox();
    const r = await attempt("trap 'echo cleaning up; exit 7' TERM; sleep 30 & wait", { timeoutMs: 200 });
    expect(r.res).toEqual({ exitCode: 7, signal: null, timedOut: true });
    expect(r.log).toBe("cleaning up\n");
  });

  test("SlotBox SIGKILLs the sandbox when SIGTERM is ignored past the grace period; the next attempt gets a new one", async () => {
    await newBox();
    const ns = (await attempt(NS)).log;
    const r = await attempt("trap '' TERM; sleep 30", { timeoutMs: 100 });
    expect(r.res).toEqual({ exitCode: null, signal: "SIGKILL", timedOut: true });
    const again = await attempt(NS);
    expect(again.res.exitCode).toBe(0);
    expect(again.log).toMatch(/^pid:\[\d+\]\n$/);
    expect(again.log).not.toBe(ns);
  }, 10_000);

  test("SlotBox stops an attempt when its signal aborts", async () => {
    await newBox();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const r = await attempt("sleep 30", { signal: stop.signal });
    expect(r.res).toEqual({ exitCode: null, signal: "SIGTERM", timedOut: false });
  });

  test("SlotBox's runner survives a transform that kills every process it can", async () => {
    await newBox();
    expect((await attempt("sleep 30 & kill -9 -1; echo survived")).log).toBe("survived\n");
    expect((await attempt("echo fine")).res.exitCode).toBe(0);
  });

  test("SlotBox throws with bwrap's words when the sandbox cannot start", async () => {
    dir = tempDir();
    box = new SlotBox(rt, { ...(await plan())!, keep: ["/tmp/calf-no-such-folder-for-slotbox"] }, path.join(dir, "slot"));
    await expect(attempt("true")).rejects.toThrow(/the datum's sandbox ended \(exit \d+\): .*calf-no-such-folder-for-slotbox/);
  });

  test("SlotBox says which working directory is missing, before running anything", async () => {
    await newBox();
    await expect(attempt("true", { cwd: "/calf-no-such-dir" })).rejects.toThrow('working directory "/calf-no-such-dir" does not exist');
  });

  test("SlotBox runs in a working directory under /pfs, which only the sandbox has", async () => {
    await newBox();
    fs.mkdirSync(path.join(box.pfsDir, "in"));
    expect((await attempt("pwd", { cwd: "/pfs" })).log).toBe("/pfs\n");
    expect((await attempt("pwd", { cwd: "/pfs/in" })).log).toBe("/pfs/in\n");
  });

  test("SlotBox exits 127 with sh's message when the command is not found", async () => {
    await newBox();
    const r = await attempt("exec calf-no-such-command");
    expect(r.res.exitCode).toBe(127);
    expect(r.err).toContain("calf-no-such-command");
  });
});
