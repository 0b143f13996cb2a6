// BatchFifos against a transform that writes into $CALF_DATUMS itself (it is
// a FIFO anyone in the slot may open for writing): a full pipe must not
// wedge calf's send for ever, and bytes that keep coming must not hold
// unread() (a synchronous loop on serve's one thread) or fill its memory.
import { afterEach, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { BatchFifos } from "../../src/transform/batchfifo.ts";
import { rt } from "../helpers/app.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

let dir: string | undefined;
let fifos: BatchFifos | undefined;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  fifos?.close();
  fifos = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

async function make(): Promise<BatchFifos> {
  dir = tempDir("calf-batchfifo-");
  return (fifos = new BatchFifos(dir, await rt()));
}

test("send() into a datums FIFO the transform filled and no one reads gives up once cancelled (the datum's timeout or stop)", async () => {
  const f = await make();
  const w = fs.openSync(f.datums, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  const chunk = Buffer.alloc(64 * 1024, "x");
  for (;;) {
    try {
      if (fs.writeSync(w, chunk) < chunk.length) break;
    } catch {
      break; // EAGAIN: full
    }
  }
  let over = false;
  setTimeout(() => (over = true), 100);
  const t0 = performance.now();
  const sent = f.send("0123 data=/pfs/data/a\n", () => over);
  const outcome = await Promise.race([sent.then(() => "returned"), new Promise((r) => setTimeout(() => r("still blocked"), 3000))]);
  expect(outcome).toBe("returned");
  expect(performance.now() - t0).toBeLessThan(2000);
  fs.closeSync(w);
});

test("unread() takes back a bounded amount while a transform keeps writing into the datums FIFO", async () => {
  const f = await make();
  for (let i = 0; i < 4; i++) {
    const c = spawn("sh", ["-c", `exec yes ${"x".repeat(200)} > "$1"`, "sh", f.datums], { stdio: "ignore" });
    children.push(c);
  }
  await new Promise((r) => setTimeout(r, 300)); // the writers are at it, the pipe is full
  const t0 = performance.now();
  const text = f.unread();
  expect(text.length).toBeLessThanOrEqual(128 * 1024);
  expect(performance.now() - t0).toBeLessThan(2000);
});
