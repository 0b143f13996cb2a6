// The runner lease in the database (src/runnerlease.ts), between processes
// that share one embedded database from two data dirs (so no flock stands
// between them, as between two hosts on a libSQL server): a second runner
// exits 75 naming the holder while heartbeats renew it; a stalled holder loses
// it and stops with 75; a killed one's lease is taken after it lapses, and at
// once by a runner of the same data dir (the flock proves the holder dead).
import { expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { calf, calfBackground, useBackground } from "./helpers/cli.ts";
import { tempDir } from "./helpers/tmp.ts";

const { procs, dirs } = useBackground();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a runner lease in a shared database: 75 naming the holder, renewed while it lives, lost when it stalls, taken after a kill", async () => {
  const root = tempDir();
  dirs.push(root);
  const db = `file:${path.join(root, "shared.db")}`;
  const env = { CALF_RUNNER_LEASE_TTL: "3s" };
  const dataDir = (n: string) => path.join(root, n, ".calf");
  for (const n of ["a", "b"]) fs.mkdirSync(path.join(root, n, "pipelines"), { recursive: true });
  const once = (n: string) => calf(["run", "--once", "--db", db], { cwd: path.join(root, n), env });
  const service = async (n: string) => {
    const r = calfBackground(["run", "--db", db], { cwd: path.join(root, n), env });
    procs.push(r);
    await r.waitFor(/watching for new commits/);
    return r;
  };

  const a = await service("a");
  const refused = once("b");
  expect(refused.code).toBe(75);
  expect(refused.stderr).toMatch(new RegExp(`^calf: another calf runner, pid ${a.proc.pid} on ${os.hostname()} \\(${dataDir("a")}\\), holds this database's runner lease \\(renewed .*, lapses in \\d s\\)\\nhint: one runner per database`));
  await sleep(7000); // more than twice the ttl: the heartbeat keeps it
  expect(once("b").code).toBe(75);

  // A holder that stalls past its ttl loses the lease, and stops with 75 once it runs again.
  a.proc.kill("SIGSTOP");
  await sleep(4000);
  const b = await service("b");
  a.proc.kill("SIGCONT");
  expect(await a.exited).toBe(75);
  expect(a.output()).toContain(`calf: this runner's lease lapsed and another calf runner, pid ${b.proc.pid} on ${os.hostname()} (${dataDir("b")}), took it over`);

  // A killed holder: another data dir waits for the lease to lapse; its own data dir takes it at once.
  b.proc.kill("SIGKILL");
  await b.exited;
  expect(once("a").code).toBe(75);
  const same = once("b");
  expect({ code: same.code, stderr: same.stderr }).toEqual({ code: 0, stderr: "nothing to do: every pipeline is up to date\n" });
  // A clean stop gives the lease up: the other data dir runs at once.
  expect(once("a").code).toBe(0);
}, 60_000);
