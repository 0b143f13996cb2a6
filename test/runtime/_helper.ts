// A second process for the runtime contract (and, compiled, for test/build.test.ts):
//   lock PATH   take rt.tryLock(PATH); print "locked" and sleep, or print "busy", exit 3
//   fifo PATH   rt.mkfifo(PATH); print "ok"
//   args ...    print rt.args() as JSON
//   orphans     become a subreaper, start `sh` that leaves a setsid'd `sleep` behind, then
//               print JSON: the adopted children found, whether each was killed and reaped
import process from "node:process";
import { loadRuntime } from "../../runtime/index.ts";

const rt = await loadRuntime();
const [mode, ...rest] = rt.args();
if (mode === "lock") {
  const lock = rt.tryLock(rest[0]);
  console.log(lock ? "locked" : "busy");
  if (lock) setInterval(() => {}, 60_000); // hold until killed
  else process.exitCode = 3;
} else if (mode === "fifo") {
  rt.mkfifo(rest[0]);
  console.log("ok");
} else if (mode === "args") {
  console.log(JSON.stringify(rt.args()));
} else if (mode === "orphans") {
  const subreaper = rt.becomeSubreaper();
  const child = rt.spawn({ argv: ["sh", "-c", "setsid sleep 300 & echo $! > /dev/null"], cwd: "/", env: { PATH: "/usr/bin:/bin" } });
  await child.done;
  let adopted: { pid: number; zombie: boolean }[] = [];
  for (let i = 0; i < 100 && adopted.length === 0; i++) {
    adopted = rt.adoptedChildren();
    if (!adopted.length) await new Promise((r) => setTimeout(r, 10));
  }
  const leader = adopted.map((a) => a.pid).includes(child.pid);
  for (const a of adopted) process.kill(a.pid, "SIGKILL");
  const waiting = new Set(adopted.map((a) => a.pid));
  for (let i = 0; i < 100 && waiting.size; i++) {
    for (const pid of waiting) if (rt.reap(pid)) waiting.delete(pid);
    if (waiting.size) await new Promise((r) => setTimeout(r, 10));
  }
  const reaped = adopted.length > 0 && waiting.size === 0;
  console.log(JSON.stringify({ subreaper, adopted: adopted.length, spawnedListed: leader, reaped, left: rt.adoptedChildren().length }));
} else {
  console.error(`_helper: unknown mode "${mode}" (expected lock, fifo, args or orphans)`);
  process.exitCode = 2;
}
