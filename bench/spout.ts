// Spout ingest: a spout whose transform `cat`s pre-built tar archives into
// /pfs/out, run with `run --once` (the spout runs until it exits), against
// `tar -xf` of the same archives to disk. Throughput = file bytes / wall time.
// A failing spout (spouts are still being built) becomes a "failed" row.
import * as fs from "node:fs";
import * as path from "node:path";
import { Calf } from "./calf.ts";
import { fmtN, log, workDir, type Context } from "./context.ts";
import { freshDir } from "./files.ts";
import { run, settle } from "./measure.ts";
import { makeArchives, type ArchiveSet } from "./tarball.ts";

const MiB = 1024 * 1024;

function spoutPipeline(tars: string): string {
  return ["pipeline: {name: feed}", "spout: {}", "transform:", `  cmd: [sh, -c, 'cat "$TARS"/*.tar > /pfs/out']`, `  env: {TARS: "${tars}"}`, ""].join("\n");
}

/** One calf spout run: wall ms, after checking every archive became one commit holding its files. */
function calfOnce(ctx: Context, set: ArchiveSet): number {
  const calf = new Calf(ctx.calf, workDir(ctx, "spout", "calf"));
  try {
    calf.onlyPipeline("feed.yaml", spoutPipeline(set.dir));
    calf.exec(["lint"]);
    settle();
    // Anything slower than 5 MB/s is far off the target; do not wait longer than that.
    const ms = calf.exec(["run", "--once"], { timeoutMs: Math.round(60_000 + (set.payload / 5e6) * 1000) }).ms;
    const files = calf.files("feed@master:/");
    const bytes = files.reduce((s, f) => s + f.size_bytes, 0);
    const want = set.archives * set.filesPerArchive;
    if (files.length !== want || bytes !== set.payload) {
      throw new Error(`feed@master holds ${files.length} files, ${bytes} bytes; want ${want} files, ${set.payload} bytes`);
    }
    const commits = calf.json<unknown[]>(["list", "commit", "feed"]).length;
    if (commits !== set.archives) throw new Error(`${commits} commits on feed@master; want one per archive (${set.archives})`);
    const sample = path.join(calf.dir, "sample.bin");
    calf.exec(["get", "file", `feed@master:/${set.sample.name}`, "-o", sample]);
    if (!fs.readFileSync(sample).equals(set.sample.bytes)) throw new Error(`feed@master:/${set.sample.name} differs from the archived bytes`);
    return ms;
  } finally {
    calf.remove();
  }
}

/** `synced`: also `sync` at the end, so the bytes are on disk as calf's are when it commits. */
function tarOnce(set: ArchiveSet, dest: string, synced = false): number {
  freshDir(dest);
  settle();
  const ms = run(["sh", "-c", `for f in "$1"/*.tar; do tar -xf "$f" -C "$2" || exit 1; done${synced ? "; sync" : ""}`, "_", set.dir, dest]).ms;
  fs.rmSync(dest, { recursive: true, force: true });
  return ms;
}

export function spout(ctx: Context): void {
  const [archives, perArchive, fileBytes] = ctx.quick ? [10, 10, MiB / 4] : [100, 10, MiB];
  const set = makeArchives(workDir(ctx, "spout", "tars"), archives, perArchive, fileBytes);
  const table = `spout ingest, ${fmtN(archives)} archives × ${perArchive} files × ${fileBytes / MiB} MiB = ${(set.payload / MiB).toFixed(0)} MiB`;
  const mbps = (ms: number) => set.payload / 1e6 / (ms / 1000);
  const tarMBs: number[] = [];
  const tarSyncMBs: number[] = [];
  const calfMBs: number[] = [];
  let failed: string | undefined;
  log(`spout: ${(set.payload / MiB).toFixed(0)} MiB in ${archives} archives, ${ctx.runs} round(s)`);
  for (let i = 0; i < ctx.runs; i++) {
    const t0 = ctx.budget.elapsedMs();
    tarMBs.push(mbps(tarOnce(set, workDir(ctx, "spout", "tar-x"))));
    tarSyncMBs.push(mbps(tarOnce(set, workDir(ctx, "spout", "tar-x"), true)));
    if (!failed) {
      try {
        calfMBs.push(mbps(calfOnce(ctx, set)));
      } catch (err) {
        failed = (err as Error).message.split("\n")[0]!.slice(0, 300);
        log(`spout failed: ${failed}`);
      }
    }
    if (!ctx.budget.fits(ctx.budget.elapsedMs() - t0)) break;
  }
  fs.rmSync(workDir(ctx, "spout"), { recursive: true, force: true });
  const r = ctx.results;
  const t = r.add({ table, row: "tar -xf of each archive to disk", col: "throughput", unit: "MB/s", samples: tarMBs, planned: ctx.runs });
  const ts = r.add({ table, row: "tar -xf of each archive, then sync (durable, like calf's commits)", col: "throughput", unit: "MB/s", samples: tarSyncMBs, planned: ctx.runs });
  const c = r.add({
    table,
    row: "calf spout (cat archives > /pfs/out), run --once",
    col: "throughput",
    unit: "MB/s",
    samples: failed ? [] : calfMBs,
    planned: ctx.runs,
    failed: failed ? `failed: ${failed}` : undefined,
  });
  r.ratioTarget("spout ingest: calf / tar -x throughput", c, t, 0.5, { atLeast: true, paired: true });
  // Issue 13: against tar -x followed by sync, both durable.
  r.ratioTarget("spout ingest: calf / (tar -x + sync) throughput", c, ts, 0.8, { atLeast: true, paired: true });
}
