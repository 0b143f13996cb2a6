// By hand, not in npm test: `npx bun bench/s3.ts [--runs N]`. 1000 small objects
// and one big one through the filesystem store and the S3 store (s3rver on
// loopback; "+10 ms": behind a proxy holding each request 10 ms, about an S3
// region's cost), each put + flush(), then read back; a markdown table of medians.
import * as fs from "node:fs";
import * as path from "node:path";
import { loadRuntime } from "../runtime/index.ts";
import { openStore, storeEnvFrom } from "../src/store/open.ts";
import type { ObjectStore } from "../src/store/types.ts";
import { faultProxy, startS3 } from "../test/helpers/s3.ts";
import { removeDir, tempDir } from "../test/helpers/tmp.ts";
import { describeMachine } from "./machine.ts";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;
const SMALL = 1000;
const SMALL_SIZE = 1024;
const BIG = 64 << 20;
const rt = await loadRuntime();
const server = await startS3({ lifetimeMs: 30 * 60_000 });
const work = tempDir("calf-bench-s3-");
const far = await faultProxy(server.endpoint);
far.delayMs = 10;

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = Math.imul(seed, 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  store: string;
  figures: Record<string, number>;
}

let seq = 0;
async function measure(name: string, make: (dataDir: string) => ObjectStore): Promise<Row> {
  const samples: Record<string, number[]> = {};
  const add = (k: string, v: number) => (samples[k] ??= []).push(v);
  for (let r = 0; r < runs; r++) {
    const dataDir = path.join(work, `d${seq++}`);
    const store = make(dataDir);
    const small = Array.from({ length: SMALL }, (_, i) => bytes(SMALL_SIZE, seq * 100_000 + i));
    const bigFile = path.join(work, "big.bin");
    fs.writeFileSync(bigFile, bytes(BIG, seq));
    const hashes: string[] = [];
    if (new Set(small.map((b) => rt.sha256(b))).size !== SMALL) throw new Error("the small objects are not all different");
    add("put 1000 × 1 KiB + flush", await time(async () => {
      for (const b of small) hashes.push((await store.putBytes(b)).hash);
      await store.flush();
    }));
    add("put again (all present) + flush", await time(async () => {
      const again = make(dataDir); // a fresh process's view: S3 answers HEADs, no PUTs
      for (const b of small) await again.putBytes(b);
      await again.flush();
    }));
    let big = "";
    add("put 64 MiB file + flush", await time(async () => {
      big = (await store.putFile(bigFile)).hash;
      await store.flush();
    }));
    add("read 1000 × 1 KiB, one at a time", await time(async () => {
      for (const h of hashes) await store.read(h);
    }));
    add("read 64 MiB", await time(() => store.read(big)));
    removeDir(dataDir);
  }
  return { store: name, figures: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) };
}

try {
  const env = storeEnvFrom(server.env);
  const farEnv = storeEnvFrom({ ...server.env, CALF_S3_ENDPOINT: far.endpoint });
  let prefix = 0;
  const rows = [
    await measure("fs (data dir objects/)", (d) => openStore("file:", { env, dataDir: d, cwd: work, rt, clock: { now: () => new Date() } })),
    await measure("s3 (s3rver on loopback), 16 in flight", (d) => openStore(`s3://${server.bucket}/bench-${prefix++}`, { env, dataDir: d, cwd: work, rt, clock: { now: () => new Date() } })),
    await measure("s3, 1 in flight", (d) => openStore(`s3://${server.bucket}/bench-${prefix++}`, { env, dataDir: d, cwd: work, rt, clock: { now: () => new Date() }, s3: { concurrency: 1 } })),
    await measure("s3 +10 ms per request, 16 in flight", (d) => openStore(`s3://${server.bucket}/bench-${prefix++}`, { env: farEnv, dataDir: d, cwd: work, rt, clock: { now: () => new Date() } })),
    await measure("s3 +10 ms per request, 1 in flight", (d) => openStore(`s3://${server.bucket}/bench-${prefix++}`, { env: farEnv, dataDir: d, cwd: work, rt, clock: { now: () => new Date() }, s3: { concurrency: 1 } })),
  ];
  const cols = Object.keys(rows[0]!.figures);
  const m = describeMachine(process.execPath, "");
  console.log(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memory}, ${m.kernel}, load ${m.load}; ${m.date}; medians of ${runs}\n`);
  console.log(`| store | ${cols.join(" | ")} |`);
  console.log(`|---|${cols.map(() => "---").join("|")}|`);
  for (const r of rows) console.log(`| ${r.store} | ${cols.map((c) => `${Math.round(r.figures[c]!)} ms`).join(" | ")} |`);
} finally {
  await far.stop();
  await server.stop();
  removeDir(work);
}
