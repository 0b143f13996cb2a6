// Data commands (SPEC §2.1): repos, files, commits.
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import type { App } from "../app.ts";
import { invalid, notFound, usageError } from "../errors.ts";
import { deleteFile, putFile } from "../repo/files.ts";
import { StatCache } from "../store/statcache.ts";
import { parseFileArg, parseRepoRef } from "../repo/paths.ts";
import { diffTrees } from "../repo/diff.ts";
import { globEntries } from "../plan/glob.ts";
import { bool, int, str } from "./args.ts";
import type { Command } from "./command.ts";
import { commitJson, fileJson, repoJson } from "./json.ts";
import { humanBytes, printable, printFields, printJson, printTable, short } from "./output.ts";

const defaultBranch = (ref: string | undefined) => ref ?? "master";

export const dataCommands: Command[] = [
  {
    words: ["create", "repo"], usage: "create repo NAME [--description TEXT]", summary: "create an empty repo with branch master",
    flags: { description: "string" }, minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      await app.repos.createRepo(p.args[0]!, { description: str(p.flags, "description") });
      app.out.info(`created repo ${p.args[0]}`);
      return 0;
    },
  },
  {
    words: ["list", "repo"], usage: "list repo", summary: "list repos", flags: {}, maxArgs: 0, mode: "read",
    async run(app) {
      const repos = await app.repos.listRepos();
      if (app.out.json) printJson(app.out, repos.map(repoJson));
      else printTable(app.out, ["NAME", "SIZE", "HEAD", "CREATED"], repos.map((r) => [r.name, humanBytes(r.sizeBytes), short(r.head), r.created]));
      return 0;
    },
  },
  {
    words: ["delete", "repo"], usage: "delete repo NAME [--force]", summary: "delete a repo and its history",
    flags: { force: "bool" }, minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const name = p.args[0]!;
      await app.repos.requireRepo(name);
      if (!bool(p.flags, "force")) {
        const readers = await pipelinesReading(app, name);
        if (readers.length) {
          throw invalid(`repo "${name}" is read by pipeline${readers.length > 1 ? "s" : ""} ${readers.map((r) => `"${r}"`).join(", ")}`, "remove those pipelines first, or pass --force");
        }
      }
      await app.repos.deleteRepo(name);
      app.out.info(`deleted repo ${name}`);
      return 0;
    },
  },
  {
    words: ["put", "file"], usage: "put file REPO[@BRANCH]:PATH -f SRC [-r] [--overwrite] [--message M]",
    summary: "add a file, directory (-r) or stdin (-f -); appends unless --overwrite",
    flags: { file: "string", recursive: "bool", overwrite: "bool", message: "string", "follow-links": "bool" }, aliases: { "-f": "file", "-r": "recursive", "-m": "message" },
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const dest = parseFileArg(p.args[0]!, { pathRequired: true });
      const src = str(p.flags, "file");
      if (!src) throw usageError("put file needs a source", "add -f FILE, -f DIR -r, or -f - for stdin");
      if (dest.path === "/" && src !== "-" && !bool(p.flags, "recursive")) throw usageError(`put file needs a file path, not "/"`, "write REPO@BRANCH:/name");
      const skipped: string[] = [];
      const c = await putFile(app.repos, dest.repo, defaultBranch(dest.ref), dest.path, src, {
        recursive: bool(p.flags, "recursive"), overwrite: bool(p.flags, "overwrite"), message: str(p.flags, "message"),
        statCache: new StatCache(app.db), followLinks: bool(p.flags, "follow-links"),
        onSkip: (local, why) => void skipped.push(`  ${printable(local)}: ${why}`),
      });
      if (skipped.length) {
        const shown = skipped.slice(0, 10);
        if (skipped.length > shown.length) shown.push(`  and ${skipped.length - shown.length} more`);
        app.out.warn(`calf: put file: skipped ${skipped.length} entr${skipped.length === 1 ? "y" : "ies"} of "${printable(src)}" that ${skipped.length === 1 ? "is" : "are"} not a regular file or folder:\n${shown.join("\n")}`);
      }
      app.out.info(c.unchanged ? `nothing changed: ${dest.repo}@${c.branch} stays at ${c.id}` : c.finished ? `committed ${c.id} to ${dest.repo}@${c.branch}` : `added to open commit ${c.id} on ${dest.repo}@${c.branch}`);
      return 0;
    },
  },
  {
    words: ["delete", "file"], usage: "delete file REPO[@BRANCH]:PATH", summary: "delete a file or directory subtree (one commit)",
    flags: {}, minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const dest = parseFileArg(p.args[0]!, { pathRequired: true });
      const c = await deleteFile(app.repos, dest.repo, defaultBranch(dest.ref), dest.path);
      app.out.info(c.finished ? `committed ${c.id} to ${dest.repo}@${c.branch}` : `deleted in open commit ${c.id}`);
      return 0;
    },
  },
  {
    words: ["start", "commit"], usage: "start commit REPO[@BRANCH]", summary: "open a commit: later puts and deletes join it until finish",
    flags: {}, minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      const c = await app.repos.startCommit(r.repo, defaultBranch(r.ref));
      if (app.out.json) printJson(app.out, commitJson(c));
      else app.out.write(`${c.id}\n`);
      return 0;
    },
  },
  {
    words: ["finish", "commit"], usage: "finish commit REPO[@BRANCH]", summary: "finish the open commit: it becomes visible and triggers jobs",
    flags: {}, minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      const c = await app.repos.finishCommit(r.repo, defaultBranch(r.ref));
      app.out.info(`finished ${c.id} on ${r.repo}@${c.branch}`);
      return 0;
    },
  },
  {
    words: ["get", "file"], usage: "get file REPO@REF:PATH [-o FILE] [-r]", summary: "print a file's bytes (or a directory as tar with -r)",
    flags: { recursive: "bool" }, aliases: { "-r": "recursive" }, minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const a = parseFileArg(p.args[0]!, { pathRequired: true });
      const c = await app.repos.resolve(a.repo, a.ref);
      const e = await app.repos.lookup(c, a.path);
      if (!e) throw notFound(`path "${a.path}" does not exist in ${a.repo}@${a.ref ?? "master"}`, `list files with: calf list file ${a.repo}@${a.ref ?? "master"}:/`);
      const target = str(p.flags, "output");
      const dest = target && target !== "json" && target !== "text" ? fs.createWriteStream(target) : process.stdout;
      if (e.type === "dir") {
        if (!bool(p.flags, "recursive")) throw usageError(`"${a.path}" is a directory`, "add -r to get it as a tar stream");
        await pipeline(await tarOf(app, c, a.path), dest);
      } else {
        await pipeline(app.store.stream(e.hash), dest, { end: dest !== process.stdout });
      }
      return 0;
    },
  },
  {
    words: ["list", "file"], usage: "list file REPO@REF:DIR [-r]", summary: "list entries under a directory",
    flags: { recursive: "bool" }, aliases: { "-r": "recursive" }, minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const a = parseFileArg(p.args[0]!);
      const c = await app.repos.resolve(a.repo, a.ref);
      const entries = await app.repos.listDir(c, a.path, bool(p.flags, "recursive"));
      printFiles(app, entries.map(fileJson));
      return 0;
    },
  },
  {
    words: ["glob", "file"], usage: "glob file REPO@REF:PATTERN", summary: "entries a pfs input with this glob would cut into datums",
    flags: {}, minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const arg = p.args[0]!;
      const at = arg.indexOf("@");
      const colon = arg.indexOf(":", at < 0 ? 0 : at);
      if (colon < 0) throw usageError(`"${arg}" names no pattern`, "write REPO@REF:PATTERN, e.g. images@master:/*");
      const r = parseRepoRef(arg.slice(0, colon));
      const c = await app.repos.resolve(r.repo, r.ref);
      const matches = globEntries(await app.repos.listAll(c), arg.slice(colon + 1));
      printFiles(app, matches.map((m) => fileJson(m.entry)));
      return 0;
    },
  },
  {
    words: ["diff", "file"], usage: "diff file REPO@REF[:PATH] [REPO@REF2]", summary: "added/modified/deleted paths against the parent (or REF2)",
    flags: {}, minArgs: 1, maxArgs: 2, mode: "read",
    async run(app, p) {
      const a = parseFileArg(p.args[0]!);
      const c = await app.repos.resolve(a.repo, a.ref);
      let base: { tree: string } | null = null;
      if (p.args[1]) {
        const b = parseRepoRef(p.args[1]);
        base = await app.repos.resolve(b.repo, b.ref);
      } else if (c.parent) base = await app.repos.getCommit(c.parent);
      const scope = a.path === "/" ? "" : a.path;
      const diff = (await diffTrees(app.repos.trees, base?.tree ?? null, c.tree)).filter((d) => !scope || d.path === scope || d.path.startsWith(scope + "/"));
      if (app.out.json) printJson(app.out, diff.map((d) => ({ path: d.path, change: d.change, size_bytes: d.size })));
      else printTable(app.out, ["CHANGE", "PATH", "SIZE"], diff.map((d) => [d.change, d.path, humanBytes(d.size)]));
      return 0;
    },
  },
  {
    words: ["list", "commit"], usage: "list commit REPO[@BRANCH] [-n N]", summary: "commits of a branch, newest first",
    flags: { number: "string" }, aliases: { "-n": "number" }, minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      await app.repos.requireRepo(r.repo);
      const branch = r.ref ?? (await outputBranchOf(app, r.repo)) ?? "master";
      const commits = await app.repos.listCommits(r.repo, branch, int(p.flags, "number"));
      if (app.out.json) printJson(app.out, commits.map(commitJson));
      else printTable(app.out, ["ID", "BRANCH", "PARENT", "ORIGIN", "FINISHED", "SIZE"], commits.map((c) => [c.id, c.branch, short(c.parent), c.origin, c.finished ?? "(open)", humanBytes(c.sizeBytes)]));
      return 0;
    },
  },
  {
    words: ["inspect", "commit"], usage: "inspect commit REPO@REF", summary: "a commit with its provenance",
    flags: {}, minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      const c = await app.repos.resolve(r.repo, r.ref);
      const job = c.job ? await app.db.get<{ version: number; pipeline: string }>("SELECT version, pipeline FROM jobs WHERE id = ?", [c.job]) : undefined;
      const j = { ...commitJson(c), message: c.message, pipeline_version: job?.version ?? null };
      if (app.out.json) printJson(app.out, j);
      else printFields(app.out, Object.entries(j).map(([k, v]) => [k, Array.isArray(v) ? v.map((x: any) => `${x.repo}@${x.commit}`).join(", ") || "-" : v]));
      return 0;
    },
  },
];

function printFiles(app: App, files: ReturnType<typeof fileJson>[]): void {
  if (app.out.json) printJson(app.out, files);
  else printTable(app.out, ["PATH", "TYPE", "SIZE"], files.map((f) => [f.path, f.type, humanBytes(f.size_bytes)]));
}

async function tarOf(app: App, c: Parameters<App["repos"]["listDir"]>[0], dir: string) {
  const pack = tar.pack();
  const entries = await app.repos.listDir(c, dir, true);
  const strip = dir === "/" ? "" : dir;
  void (async () => {
    try {
      for (const e of entries) {
        const name = path.posix.relative("/", e.path.slice(strip.length) || "/");
        if (e.type === "dir") {
          pack.entry({ name: name + "/", type: "directory", mode: 0o755 });
          continue;
        }
        const data = await app.store.read(e.hash);
        await new Promise<void>((res, rej) => pack.entry({ name, size: data.byteLength, mode: 0o644 }, data, (err) => (err ? rej(err) : res())));
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack;
}

async function pipelinesReading(app: App, repo: string): Promise<string[]> {
  const rows = await app.db.all<{ name: string; spec: string }>("SELECT name, spec FROM pipelines WHERE active = 1");
  return rows.filter((r) => JSON.stringify(JSON.parse(r.spec).input ?? null).includes(`"repo":${JSON.stringify(repo)}`)).map((r) => r.name);
}

async function outputBranchOf(app: App, repo: string): Promise<string | undefined> {
  const row = await app.db.get<{ spec: string }>("SELECT spec FROM pipelines WHERE name = ?", [repo]);
  return row ? JSON.parse(row.spec).outputBranch : undefined;
}
