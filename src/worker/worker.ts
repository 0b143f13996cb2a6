// `calf worker` (issue 14): leases datums from `calf serve`, runs each on a
// slot exactly as the runner does (transform/launch.ts, run/datum.ts), reports
// in groups, heartbeats its leases (a lapsed one still reports: the first
// report wins). Never opens the database.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Runtime } from "../../runtime/types.ts";
import type { Clock } from "../host.ts";
import { batchFor } from "../run/batching.ts";
import { runDatum, type DatumOutcome } from "../run/datum.ts";
import type { ObjectStore } from "../store/types.ts";
import type { BatchProcess } from "../transform/batch.ts";
import { openSlot } from "../transform/launch.ts";
import { everyone, killOrphans } from "../transform/orphans.ts";
import type { SandboxPlan } from "../transform/sandbox.ts";
import type { Slot } from "../transform/slot.ts";
import type { ServeClient } from "./client.ts";
import { listingLoader, specOf, type HeldLease } from "./lease.ts";
import type { LeaseGrant, WireDatum, WireResult } from "./protocol.ts";
import { Reporter } from "./reporter.ts";
import { ServeStore } from "./servestore.ts";

export interface WorkerOptions {
  rt: Runtime;
  client: ServeClient;
  name: string;
  slots: number;
  workDir: string;
  pipelinesDir: string;
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  /** The S3 store serve names, opened with this worker's own credentials. */
  openStore: (url: string) => ObjectStore;
  sandbox: SandboxPlan | null;
  signal: AbortSignal;
  log: (line: string) => void;
}

interface Task {
  lease: HeldLease;
  datum: WireDatum;
}

/** Runs until `signal` aborts; returns how many datums it reported. */
export async function runWorker(o: WorkerOptions): Promise<{ reported: number }> {
  const queue: Task[] = [];
  const leases = new Map<string, HeldLease>();
  const serveStore = new ServeStore(o.client, path.join(o.workDir, "spool"), o.rt);
  const s3 = new Map<string, ObjectStore>();
  const reporter = new Reporter(o, serveStore, (l) => done(l));
  let waiters: (() => void)[] = [];
  const changed = () => new Promise<void>((r) => waiters.push(r));
  const poke = () => {
    const w = waiters;
    waiters = [];
    w.forEach((f) => f());
  };
  o.signal.addEventListener("abort", poke, { once: true });
  const done = (l: HeldLease) => {
    leases.delete(l.grant.lease);
    serveStore.dropInputs(l.grant.lease);
    fs.rmSync(l.logDir, { recursive: true, force: true });
  };
  const drop = (l: HeldLease) => {
    // Its queued datums are no longer this worker's to run.
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.lease === l) (queue.splice(i, 1), l.left--);
    if (l.left === 0) done(l);
  };
  const refused = new Set<string>();

  const fetcher = async () => {
    let failures = 0;
    while (!o.signal.aborted) {
      // Lease again while 2 datums per slot are still in hand (slots never wait for a round trip), a batch
      // of 8 per slot and at least 32 (each lease costs serve and this worker a request; 3-datum leases
      // doubled both's CPU per datum in bench/workers.ts).
      if (queue.length >= 2 * o.slots) {
        await changed();
        continue;
      }
      let grant: LeaseGrant | null;
      try {
        grant = await o.client.lease(o.name, o.slots, Math.min(1000, Math.max(8 * o.slots, 32) - queue.length), 10_000, o.signal);
        if (failures) o.log(`calf worker: ${o.client.base} answers again`);
        failures = 0;
      } catch (err) {
        if (o.signal.aborted) break;
        if (failures++ === 0) o.log(`calf worker: cannot lease from ${o.client.base}: ${(err as Error).message} (retrying)`);
        await o.clock.sleep(Math.min(10_000, 250 * 2 ** failures), o.signal);
        continue;
      }
      if (!grant) continue;
      ttl = grant.ttl_ms;
      const spec = specOf(grant, o.pipelinesDir, (s) => o.rt.sha256(s));
      if ("refused" in spec) {
        const key = `${grant.pipeline}:${grant.transform.version_hash}`;
        if (!refused.has(key)) o.log(`calf worker: refusing datums of pipeline ${grant.pipeline}: ${spec.refused}`);
        refused.add(key);
        await o.client.release(o.name, o.slots, [grant.lease]).catch(() => {});
        await o.clock.sleep(5000, o.signal);
        continue;
      }
      let store: ObjectStore = serveStore;
      if (grant.store) {
        if (!s3.has(grant.store)) s3.set(grant.store, o.openStore(grant.store));
        store = s3.get(grant.store)!;
      } else serveStore.addInputs(grant.lease, grant.objects);
      const lease: HeldLease = {
        grant, spec, store, loader: listingLoader(grant.datums), abort: new AbortController(), left: grant.datums.length, state: "active",
        logDir: path.join(o.workDir, "logs", grant.lease),
      };
      fs.mkdirSync(lease.logDir, { recursive: true });
      leases.set(grant.lease, lease);
      for (const d of grant.datums) queue.push({ lease, datum: d });
      poke();
    }
  };

  let ttl = 3000; // serve's lease ttl, as the last grant said: heartbeats go three times per ttl
  const heartbeats = async () => {
    while (!o.signal.aborted) {
      await o.clock.sleep(Math.min(5000, ttl / 3), o.signal);
      const held = [...leases.values()].filter((l) => l.state === "active");
      if (o.signal.aborted) continue;
      try {
        const answers = await o.client.heartbeat(o.name, o.slots, held.map((l) => l.grant.lease));
        for (const l of held) {
          const a = answers[l.grant.lease];
          if (a === "ok" || !a) continue;
          l.state = a;
          if (a === "ended") l.abort.abort(); // the job is over: stop its datums
          drop(l);
        }
      } catch (err) {
        o.log(`calf worker: heartbeat failed: ${(err as Error).message}`);
      }
    }
  };

  const slots = new Map<number, Slot>();
  // datum_batching: each slot's batch process, for one job at a time (run/batching.ts).
  const batches = new Map<number, { job: string; process: BatchProcess | undefined }>();
  const endBatch = async (n: number) => {
    const b = batches.get(n);
    batches.delete(n);
    await b?.process?.close();
  };
  const batchOf = async (n: number, slot: Slot, l: HeldLease): Promise<BatchProcess | undefined> => {
    if (batches.get(n)?.job !== l.grant.job) await endBatch(n);
    if (!batches.has(n)) {
      const job = { spec: l.spec, jobId: l.grant.job, outputCommit: l.grant.output_commit, env: o.env, rt: o.rt };
      batches.set(n, { job: l.grant.job, process: batchFor(job, slot, AbortSignal.any([l.abort.signal, o.signal])) });
    }
    return batches.get(n)!.process;
  };
  const slotDir = (n: number) => path.join(o.workDir, "slots", String(n));
  const slotLoop = async (n: number) => {
    while (!o.signal.aborted) {
      const task = queue.shift();
      if (!task) {
        await endBatch(n); // idle: no batch process waits for datums that may never come
        await changed();
        continue;
      }
      poke(); // room for the fetcher
      let slot = slots.get(n);
      if (!slot) slots.set(n, (slot = openSlot(o.rt, o.sandbox, slotDir(n))));
      const result = await runTask(o, task, slot, slotDir(n), await batchOf(n, slot, task.lease));
      if (result) reporter.add(task.lease, result);
      else if (--task.lease.left === 0) done(task.lease);
    }
  };

  fs.mkdirSync(o.workDir, { recursive: true });
  try {
    await Promise.all([fetcher(), heartbeats(), ...Array.from({ length: o.slots }, (_, n) => slotLoop(n))]);
  } finally {
    // Stopping: what was not run or was cut short goes back to serve at once (not after the lease lapses).
    const open = [...leases.values()].filter((l) => l.state === "active");
    await reporter.drain();
    if (open.length) await o.client.release(o.name, o.slots, open.map((l) => l.grant.lease)).catch(() => {});
    await Promise.all([...batches.keys()].map(endBatch));
    await Promise.all([...slots.values()].map((s) => s.close()));
    await killOrphans(o.rt, everyone);
  }
  return { reported: reporter.reported };
}

/** Runs one datum; null when it was cut short by a stop (not a result: the datum goes to another). */
async function runTask(o: WorkerOptions, t: Task, slot: Slot, scratch: string, batch: BatchProcess | undefined): Promise<WireResult | null> {
  const l = t.lease;
  const d = t.datum;
  const signal = AbortSignal.any([l.abort.signal, o.signal]);
  let outcome: DatumOutcome;
  try {
    outcome = await runDatum({
      store: l.store, loader: l.loader, spec: l.spec, jobId: l.grant.job, outputCommit: l.grant.output_commit,
      slot, scratch, logDir: l.logDir, now: () => o.clock.now(), baseEnv: o.env, signal, batch,
    }, { id: d.id, inputs: d.inputs, sortKey: [] });
  } catch (err) {
    outcome = { state: "failed", outputs: [], tries: 1, durationMs: 0, reason: (err as Error).message };
  }
  if (signal.aborted && outcome.state !== "success") return null;
  const logs: Record<string, string> = {};
  for (const f of fs.readdirSync(l.logDir)) {
    if (!f.startsWith(`${d.id}.`) || !f.endsWith(".log")) continue;
    const p = path.join(l.logDir, f);
    logs[f.slice(d.id.length + 1, -4)] = fs.readFileSync(p, "utf8").slice(-(1 << 20) + 1);
    fs.rmSync(p, { force: true });
  }
  return {
    lease: l.grant.lease, datum: d.id, state: outcome.state, tries: outcome.tries, duration_ms: outcome.durationMs, reason: outcome.reason?.slice(-16_000) ?? null,
    outputs: outcome.outputs.map((x) => ({ path: x.path, hash: x.hash, size: x.size })), logs,
  };
}
