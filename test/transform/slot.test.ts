// The Slot contract: the same cases over both kinds of worker slot (plain and
// the bwrap slot sandbox), then what only the sandbox does.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadRuntime } from "../../runtime/index.ts";
import type { Runtime } from "../../runtime/types.ts";
import { openSlot } from "../../src/transform/launch.ts";
import { AttemptLog, parseLogLine } from "../../src/transform/logs.ts";
import { everyone } from "../../src/transform/orphans.ts";
import { chooseSandbox } from "../../src/transform/probe.ts";
import type { Attempt, Slot } from "../../src/transform/slot.ts";
import { bwrapWorks } from "../helpers/run.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const ENV = { PATH: "/usr/bin:/bin" };
/** Prints the PID namespace the attempt ran in: the same one means the same sandbox. */
const NS = "readlink /proc/self/ns/pid";
let rt: Runtime;
let dir: string;
let slot: Slot | undefined;

beforeAll(async () => {
  rt = await loadRuntime();
});

afterEach(async () => {
  await slot?.close();
  slot = undefined;
  if (dir) removeDir(dir);
});

const plan = () => chooseSandbox(rt, { mode: "bwrap", path: ENV.PATH, keep: [], hide: [] });

async function newSlot(kind: "plain" | "box", over: { keep?: string[] } = {}): Promise<Slot> {
  dir = tempDir();
  const p = kind === "box" ? { ...(await plan())!, ...over } : null;
  slot = openSlot(rt, p, path.join(dir, "slot"));
  return slot;
}

let seq = 0;
/** One attempt of `sh -c script` (/pfs rewritten as the slot does); returns its status and what it wrote. */
async function attempt(script: string, extra: Partial<Attempt> = {}) {
  const file = path.join(dir, `attempt-${seq++}.log`);
  const log = new AttemptLog(file, () => new Date());
  const res = await slot!.run({ argv: ["sh", "-c", slot!.fix(script)], env: ENV, cwd: "/", signal: new AbortController().signal, log, owner: everyone, ...extra });
  log.close();
  const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l).map(parseLogLine) : [];
  const text = (s?: string) => lines.filter((l) => !s || l.stream === s).map((l) => `${l.text}\n`).join("");
  return { res, log: text(), out: text("out"), err: text("err"), lines };
}

const kinds: ("plain" | "box")[] = ["plain", ...(bwrapWorks ? ["box" as const] : [])];

describe.each(kinds)("Slot (%s)", (kind) => {
  test("Slot.run() gives the status, stdout and stderr line by line with times, env, stdin and /pfs/out", async () => {
    await newSlot(kind);
    const r = await attempt('echo "out $X"; echo err >&2; cat > /pfs/out/copy; exit 3', { env: { ...ENV, X: "x1" }, stdin: "in\n" });
    expect(r.res).toEqual({ exitCode: 3, signal: null, timedOut: false });
    expect([r.out, r.err]).toEqual(["out x1\n", "err\n"]);
    for (const l of r.lines) expect(Date.parse(l.time)).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(slot!.outDir, "copy"), "utf8")).toBe("in\n");
    const again = await attempt('echo "${X-unset} $(cat)"');
    expect(again.log).toBe("unset \n"); // no env leaks from the attempt before; stdin is /dev/null
  });

  test("Slot.run() keeps a last line without a newline, and output of long runs arrives while they run", async () => {
    await newSlot(kind);
    const file = path.join(dir, "live.log");
    const log = new AttemptLog(file, () => new Date());
    const run = slot!.run({ argv: ["sh", "-c", "echo early; sleep 1; printf late"], env: ENV, cwd: "/", signal: new AbortController().signal, log, owner: everyone });
    await new Promise((r) => setTimeout(r, 500));
    const during = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    await run;
    log.close();
    expect(during).toMatch(/ out early\n$/);
    expect(fs.readFileSync(file, "utf8").split("\n").filter((l) => l).map((l) => parseLogLine(l).text)).toEqual(["early", "late"]);
  });

  test("Slot.run() reports a timeout as SIGTERM + timedOut", async () => {
    await newSlot(kind);
    const r = await attempt("sleep 30", { timeoutMs: 200 });
    expect(r.res).toEqual({ exitCode: null, signal: "SIGTERM", timedOut: true });
    expect((await attempt("echo next")).log).toBe("next\n");
  });

  test("Slot.run()'s SIGTERM reaches the transform, which may clean up and exit", async () => {
    await newSlot(kind);
    const r = await attempt("trap 'echo cleaning up; exit 7' TERM; sleep 30 & wait", { timeoutMs: 200 });
    expect(r.res).toEqual({ exitCode: 7, signal: null, timedOut: true });
    expect(r.log).toBe("cleaning up\n");
  });

  test("Slot.run() stops an attempt when its signal aborts", async () => {
    await newSlot(kind);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const r = await attempt("sleep 30", { signal: stop.signal });
    expect(r.res).toEqual({ exitCode: null, signal: "SIGTERM", timedOut: false });
  });

  test("Slot.run() SIGKILLs a transform that ignores SIGTERM past the grace period; the slot still works", async () => {
    await newSlot(kind);
    const r = await attempt("trap '' TERM; sleep 30 & wait", { timeoutMs: 100 });
    expect(r.res.timedOut).toBe(true);
    expect(r.res.signal).toBe("SIGKILL");
    expect((await attempt("echo fine")).res.exitCode).toBe(0);
  }, 10_000);

  test("Slot.run() leaves nothing of an attempt running: background processes are gone before the next", async () => {
    await newSlot(kind);
    const first = await attempt("sleep 300 & echo $! > /pfs/out/pid");
    expect(first.res.exitCode).toBe(0);
    const pid = fs.readFileSync(path.join(slot!.outDir, "pid"), "utf8").trim();
    fs.rmSync(path.join(slot!.outDir, "pid"));
    expect((await attempt(`if kill -0 ${pid} 2>/dev/null; then echo alive; else echo gone; fi`)).log).toBe("gone\n");
  });

  test("Slot.run() exits 127 with sh's message when the command is not found", async () => {
    await newSlot(kind);
    const r = await attempt("exec calf-no-such-command");
    expect(r.res.exitCode).toBe(127);
    expect(r.err).toContain("calf-no-such-command");
  });

  test("Slot.fix() makes /pfs what the transform sees: itself in a sandbox, the slot's folder without", async () => {
    const s = await newSlot(kind);
    expect(s.fix("cat /pfs/in/a > /pfs/out/b")).toBe(kind === "box" ? "cat /pfs/in/a > /pfs/out/b" : `cat ${s.pfsDir}/in/a > ${s.pfsDir}/out/b`);
    expect(s.pfsRoot).toBe(kind === "box" ? "/pfs" : s.pfsDir);
  });
});

describe.skipIf(!bwrapWorks)("Slot (box) only", () => {
  test("the slot sandbox runs attempts one after another in one sandbox, and empties /tmp between them", async () => {
    await newSlot("box");
    const ns = (await attempt(NS)).log;
    await attempt("touch /tmp/left /tmp/.hidden; mkdir /tmp/d");
    expect((await attempt(`${NS}; ls -A /tmp | wc -l`)).log).toBe(`${ns}0\n`);
  });

  test("the slot sandbox gives the transform TMPDIR=/tmp (its own) in place of the host's, where mktemp works", async () => {
    await newSlot("box");
    const r = await attempt('d=$(mktemp -d) && echo "$TMPDIR $d" | sed "s/tmp\\.[A-Za-z0-9]*/X/"', { env: { ...ENV, TMPDIR: dir } });
    expect({ code: r.res.exitCode, out: r.out }).toEqual({ code: 0, out: "/tmp /tmp/X\n" });
  });

  test("the slot sandbox keeps its sandbox after a timeout, and starts a new one after a SIGKILL", async () => {
    await newSlot("box");
    const ns = (await attempt(NS)).log;
    await attempt("sleep 30", { timeoutMs: 200 });
    expect((await attempt(NS)).log).toBe(ns);
    await attempt("trap '' TERM; sleep 30", { timeoutMs: 100 });
    const again = (await attempt(NS)).log;
    expect(again).toMatch(/^pid:\[\d+\]\n$/);
    expect(again).not.toBe(ns);
  }, 10_000);

  test("the slot sandbox's runner survives a transform that kills every process it can", async () => {
    await newSlot("box");
    expect((await attempt("sleep 30 & kill -9 -1; echo survived")).log).toBe("survived\n");
    expect((await attempt("echo fine")).res.exitCode).toBe(0);
  });

  test("the slot sandbox throws with bwrap's words when the sandbox cannot start", async () => {
    await newSlot("box", { keep: ["/tmp/calf-no-such-folder-for-slotbox"] });
    await expect(attempt("true")).rejects.toThrow(/the datum's sandbox ended \(exit \d+\): .*calf-no-such-folder-for-slotbox/);
  });

  test("the slot sandbox says which working directory is missing, before running anything", async () => {
    await newSlot("box");
    await expect(attempt("true", { cwd: "/calf-no-such-dir" })).rejects.toThrow('working directory "/calf-no-such-dir" does not exist');
  });

  test("the slot sandbox runs in a working directory under /pfs, which only the sandbox has", async () => {
    await newSlot("box");
    fs.mkdirSync(path.join(slot!.pfsDir, "in"));
    expect((await attempt("pwd", { cwd: "/pfs" })).log).toBe("/pfs\n");
    expect((await attempt("pwd", { cwd: "/pfs/in" })).log).toBe("/pfs/in\n");
  });

  test("the slot sandbox with binds gives the attempt a sandbox of its own with those files read-only under /pfs", async () => {
    await newSlot("box");
    const obj = path.join(dir, "object");
    fs.writeFileSync(obj, "bound\n");
    const ns = (await attempt(NS)).log;
    const r = await attempt(`${NS}; cat /pfs/in/a; echo x >> /pfs/in/a 2>/dev/null || echo refused`, { binds: [{ src: obj, dest: "/pfs/in/a" }] });
    expect(r.out.split("\n").slice(1)).toEqual(["bound", "refused", ""]);
    expect(r.out.startsWith(ns)).toBe(false);
    expect(fs.readFileSync(obj, "utf8")).toBe("bound\n");
  });
});
