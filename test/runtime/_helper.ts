// A second process for the runtime contract (and, compiled, for test/build.test.ts):
//   lock PATH   take rt.tryLock(PATH); print "locked" and sleep, or print "busy", exit 3
//   fifo PATH   rt.mkfifo(PATH); print "ok"
//   args ...    print rt.args() as JSON
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
} else {
  console.error(`_helper: unknown mode "${mode}" (expected lock, fifo or args)`);
  process.exitCode = 2;
}
