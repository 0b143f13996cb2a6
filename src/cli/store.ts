// `calf store push|pull URL`: copy objects between the configured store
// (--store/CALF_STORE) and another one, for backup and for sharing a cache
// with CI. By default the objects this data dir's metadata names (commit
// files and cached datum results); --all: every object the source lists.
import * as fs from "node:fs";
import * as path from "node:path";
import type { App } from "../app.ts";
import { failed, notFound } from "../errors.ts";
import { copyObjects, type CopyReport } from "../store/copy.ts";
import { openStore, parseStoreUrl, storeEnvFrom } from "../store/open.ts";
import { referencedObjects } from "../repo/referenced.ts";
import type { ObjectStore } from "../store/types.ts";
import { bool } from "./args.ts";
import type { Command, Context } from "./command.ts";
import { missingData } from "./datadir.ts";
import { humanBytes, printFields, printJson } from "./output.ts";

const SHOWN = 20;

const DETAILS = `Without --all, copies the objects this data dir's metadata names: every file of every commit
and every output of a cached datum result (what lets a run skip unchanged datums). Objects the
destination already has are skipped; every object is hashed on the way and one whose bytes do not
match its name is not copied. Exit 1 if an object is missing from the source or corrupt.
URL: file:DIR (the objects of the data dir DIR) or s3://BUCKET/PREFIX (with CALF_S3_ENDPOINT and the
AWS_* variables, as for --store).`;

/** The configured store's URL as shown: `file:` spelt out as the data dir's path. */
function configuredUrl(ctx: Context): string {
  const u = ctx.settings.storeUrl;
  return u === "file:" || u === "file://" ? `file:${ctx.settings.dataDir}` : u;
}

function otherStore(ctx: Context, url: string, mustExist: boolean): ObjectStore {
  const loc = parseStoreUrl(url, ctx.cwd);
  if (mustExist && loc.kind === "file") {
    const objects = path.join(loc.dir ?? ctx.settings.dataDir, "objects");
    if (!fs.existsSync(objects)) throw notFound(`store "${url}": no objects folder at ${objects}`, "file:DIR names a calf data dir (the folder holding objects/)");
  }
  return openStore(url, { env: storeEnvFrom(ctx.env), dataDir: ctx.settings.dataDir, cwd: ctx.cwd, rt: ctx.rt, clock: ctx.host.clock });
}

async function hashesOf(app: App, all: boolean, source: ObjectStore): Promise<string[]> {
  if (!all) return referencedObjects(app.db);
  const out: string[] = [];
  for await (const o of source.list()) out.push(o.hash);
  return out.sort();
}

function report(ctx: Context, r: CopyReport, verb: "push" | "pull", from: string, to: string, all: boolean): number {
  if (ctx.out.json) {
    printJson(ctx.out, {
      from, to, selection: all ? "all" : "referenced", wanted: r.wanted, copied: r.copied, copied_bytes: r.copiedBytes,
      skipped: r.skipped, missing: r.missing, corrupt: r.corrupt,
    });
  } else {
    printFields(ctx.out, [
      ["from", from], ["to", to],
      ["objects", `${r.wanted} ${all ? "listed by the source" : "named by this data dir's metadata"}`],
      ["copied", `${r.copied} (${humanBytes(r.copiedBytes)})`],
      ["already there", r.skipped],
      ["missing", r.missing.length],
      ["corrupt", r.corrupt.length],
    ]);
  }
  const bad = r.missing.length + r.corrupt.length;
  if (bad === 0) return 0;
  for (const h of r.missing.slice(0, SHOWN)) ctx.out.warn(`missing from ${from}: ${h}`);
  for (const h of r.corrupt.slice(0, SHOWN)) ctx.out.warn(`corrupt in ${from}: ${h}`);
  throw failed(
    `store ${verb}: ${bad} object${bad === 1 ? "" : "s"} could not be copied (${r.missing.length} missing from ${from}, ${r.corrupt.length} corrupt)`,
    r.missing.length ? "the source lacks objects this data dir's metadata names: restore them from another copy (calf store pull)" : "a corrupt object is not copied: restore it from another copy, or put its file again",
  );
}

async function copy(ctx: Context, url: string, verb: "push" | "pull", all: boolean): Promise<number> {
  let app = await ctx.openData();
  // A fresh data dir may take everything a store holds (restoring a backup, seeding a CI cache).
  if (!app && verb === "pull" && all) app = await ctx.openData({ create: true });
  if (!app) throw missingData(ctx.settings, ctx.cwd)!;
  const here = configuredUrl(ctx);
  const other = otherStore(ctx, url, verb === "pull");
  const [from, to, fromUrl, toUrl] = verb === "push" ? [app.store, other, here, url] : [other, app.store, url, here];
  const hashes = await hashesOf(app, all, from);
  if (!all && hashes.length === 0) ctx.out.info("this data dir's metadata names no objects (use --all to copy every object the source holds)");
  else ctx.out.info(`${verb === "push" ? "pushing" : "pulling"} ${hashes.length} objects from ${fromUrl} to ${toUrl}`);
  const r = await copyObjects(from, to, hashes, { sha256Hasher: () => ctx.rt.sha256Hasher() });
  return report(ctx, r, verb, fromUrl, toUrl, all);
}

export const storeCommands: Command[] = [
  {
    words: ["store", "push"], usage: "store push URL [--all]", summary: "copy objects from the configured store to another store",
    details: DETAILS,
    flags: { all: "bool" }, flagHelp: { all: "every object the configured store holds, not only those the metadata names" },
    examples: [
      "calf store push s3://backups/calf                        # back up this data dir's objects",
      "calf --store s3://cache/ci store push file:/mnt/backup   # from S3 to a local folder",
      "calf store push file:/mnt/backup --all -o json",
    ],
    minArgs: 1, maxArgs: 1, mode: "none",
    run: (ctx, p) => copy(ctx, p.args[0]!, "push", bool(p.flags, "all")),
  },
  {
    words: ["store", "pull"], usage: "store pull URL [--all]", summary: "copy objects from another store into the configured store",
    details: `${DETAILS}\nWith --all, pull into a folder with no data dir creates one (then copy calf.db beside it, or point --db at the metadata).`,
    flags: { all: "bool" }, flagHelp: { all: "every object the other store holds, not only those the metadata names" },
    examples: [
      "calf store pull s3://cache/ci                            # fetch what this data dir's commits and cached results need",
      "calf --data-dir restored store pull file:/mnt/backup --all",
    ],
    minArgs: 1, maxArgs: 1, mode: "none",
    run: (ctx, p) => copy(ctx, p.args[0]!, "pull", bool(p.flags, "all")),
  },
];
