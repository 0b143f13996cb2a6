// File commands (SPEC §2.1): put, delete, get, list, glob and diff file.
// Each definition carries its help: flag descriptions and examples.
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import type { App } from "../app.ts";
import { notFound, usageError } from "../errors.ts";
import { deleteFile, putFile } from "../repo/files.ts";
import { StatCache } from "../store/statcache.ts";
import { parseFileArg, parseRepoRef } from "../repo/paths.ts";
import { diffTrees } from "../repo/diff.ts";
import { globEntries } from "../plan/glob.ts";
import { bool, str } from "./args.ts";
import type { Command } from "./command.ts";
import { headOf, tarOf } from "./_bytes.ts";
import { verifiedStream } from "../ops/verify.ts";
import { fileJson } from "../shapes.ts";
import { humanBytes, looksBinary, printable, printJson, printTable, short } from "./output.ts";

const defaultBranch = (ref: string | undefined) => ref ?? "master";

export const fileCommands: Command[] = [
  {
    words: ["put", "file"], usage: "put file REPO[@BRANCH]:PATH -f SRC [-r] [--overwrite] [--message M]",
    summary: "add a file, directory (-r) or stdin (-f -); appends unless --overwrite",
    details: [
      "An existing file is appended to (Pachyderm 1.x); --overwrite replaces it. One command makes one",
      "commit, unless a commit is open on the branch (start commit). A branch that does not exist yet is",
      "created (calf says so). Re-putting a folder with -r --overwrite reads only files that changed;",
      "without --overwrite, calf warns when the put appends to files that already exist. In a folder,",
      "symbolic links, FIFOs, sockets and devices are skipped, each named on stderr (--follow-links follows links).",
    ].join("\n"),
    flags: { file: "string", recursive: "bool", overwrite: "bool", message: "string", "follow-links": "bool" }, aliases: { "-f": "file", "-r": "recursive", "-m": "message" },
    flagHelp: {
      file: "SRC: a local file, a folder (with -r), or - for stdin",
      recursive: "put a whole folder: its tree lands under PATH",
      overwrite: "replace existing files instead of appending to them",
      message: "M: the commit message",
      "follow-links": "with -r: put what symbolic links point to (files and folders) instead of skipping them",
    },
    examples: [
      "calf put file images@master:/cat.png -f cat.png",
      "calf put file images@master:/raw -f photos/ -r --overwrite   # a folder, one commit",
      "echo hello | calf put file notes@master:/hello.txt -f -",
    ],
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const dest = parseFileArg(p.args[0]!, { pathRequired: true });
      const src = str(p.flags, "file");
      if (!src) throw usageError("put file needs a source", "add -f FILE, -f DIR -r, or -f - for stdin");
      if (dest.path === "/" && src !== "-" && !bool(p.flags, "recursive")) throw usageError(`put file needs a file path, not "/"`, "write REPO@BRANCH:/name");
      const branch = defaultBranch(dest.ref);
      await app.repos.requireRepo(dest.repo);
      const newBranch = !(await app.repos.hasBranch(dest.repo, branch));
      const appended: string[] = [];
      const skipped: string[] = [];
      const recursive = bool(p.flags, "recursive");
      const c = await putFile(app.repos, dest.repo, branch, dest.path, src, {
        recursive, overwrite: bool(p.flags, "overwrite"), message: str(p.flags, "message"),
        statCache: new StatCache(app.db), now: () => app.clock.now().getTime(), onAppend: (f) => void appended.push(f), followLinks: bool(p.flags, "follow-links"),
        onSkip: (local, why) => void skipped.push(`  ${printable(local)}: ${why}`),
      });
      if (skipped.length) {
        const shown = skipped.slice(0, 10);
        if (skipped.length > shown.length) shown.push(`  and ${skipped.length - shown.length} more`);
        app.out.warn(`calf: put file: skipped ${skipped.length} entr${skipped.length === 1 ? "y" : "ies"} of "${printable(src)}" that ${skipped.length === 1 ? "is" : "are"} not a regular file or folder:\n${shown.join("\n")}`);
      }
      if (newBranch && !c.unchanged) app.out.info(`created branch ${dest.repo}@${c.branch} (it did not exist)`);
      if (recursive && appended.length) {
        appended.sort();
        app.out.warn(`calf: warning: appended to ${appended.length} existing file${appended.length === 1 ? "" : "s"} (${appended.slice(0, 3).join(", ")}${appended.length > 3 ? ", ..." : ""}); their content is now doubled if you put the same folder again`);
        app.out.warn("hint: add --overwrite to replace files instead (calf put file keeps Pachyderm's append by default)");
      }
      app.out.info(c.unchanged ? `nothing changed: ${dest.repo}@${c.branch} stays at ${short(c.id)}` : c.finished ? `committed ${short(c.id)} to ${dest.repo}@${c.branch}` : `added to open commit ${short(c.id)} on ${dest.repo}@${c.branch}`);
      return 0;
    },
  },
  {
    words: ["delete", "file"], usage: "delete file REPO[@BRANCH]:PATH", summary: "delete a file or directory subtree (one commit)",
    flags: {}, examples: ["calf delete file images@master:/cat.png", "calf delete file images@master:/raw   # a whole folder"],
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const dest = parseFileArg(p.args[0]!, { pathRequired: true });
      const c = await deleteFile(app.repos, dest.repo, defaultBranch(dest.ref), dest.path);
      app.out.info(c.finished ? `committed ${short(c.id)} to ${dest.repo}@${c.branch}` : `deleted in open commit ${short(c.id)}`);
      return 0;
    },
  },
  {
    words: ["get", "file"], usage: "get file REPO@REF:PATH [-o FILE] [-r] [--force]", summary: "print a file's bytes (or a directory as tar with -r)",
    details: "A binary file (or a tar stream) is not written to a terminal unless --force: redirect it, pipe it, or use -o FILE.",
    flags: { recursive: "bool", force: "bool" }, aliases: { "-r": "recursive" },
    flagHelp: {
      recursive: "a directory, as a tar stream",
      force: "write binary bytes even to a terminal",
      output: "FILE: write to FILE instead of stdout",
    },
    examples: [
      "calf get file images@master:/cat.png -o cat.png",
      "calf get file counts@master^1:/total.txt      # the parent of master's head",
      "calf get file images@master:/raw -r | tar -t   # a folder as tar",
    ],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const a = parseFileArg(p.args[0]!, { pathRequired: true });
      const c = await app.repos.resolve(a.repo, a.ref);
      const e = await app.repos.lookup(c, a.path);
      if (!e) throw notFound(`path "${a.path}" does not exist in ${a.repo}@${a.ref ?? "master"}`, `list files with: calf list file ${a.repo}@${a.ref ?? "master"}:/`);
      const target = str(p.flags, "output");
      const toFile = !!target && target !== "json" && target !== "text";
      if (e.type === "dir" && !bool(p.flags, "recursive")) throw usageError(`"${a.path}" is a directory`, "add -r to get it as a tar stream");
      if (!toFile && app.out.tty && !bool(p.flags, "force") && (e.type === "dir" || looksBinary(await headOf(app.store, e.hash)))) {
        throw usageError(`get file: ${e.type === "dir" ? `"${a.path}" as tar` : `"${a.path}" is binary`}: not writing it to a terminal`, "redirect or pipe it, use -o FILE, or add --force");
      }
      // What is served is checked against its hash as it streams (ops/verify.ts); a FILE is
      // written beside itself and renamed into place only once its bytes proved right.
      const what = (p: string) => `get file ${a.repo}@${c.id}:${p}`;
      const source: AsyncIterable<Uint8Array> = e.type === "dir" ? ((await tarOf(app, c, a.path, what)) as AsyncIterable<Uint8Array>) : verifiedStream(app.store, e.hash, () => app.rt.sha256Hasher(), what(e.path));
      if (!toFile) {
        // Not pipeline(): a failed check must end the command with its one line, not destroy stdout.
        for await (const chunk of source) if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
        await new Promise<void>((resolve) => process.stdout.write(new Uint8Array(0), () => resolve())); // written, not just queued
        return 0;
      }
      const tmp = path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}.calf-${process.pid}.tmp`);
      try {
        await pipeline(source, fs.createWriteStream(tmp));
        fs.renameSync(tmp, target);
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      return 0;
    },
  },
  {
    words: ["list", "file"], usage: "list file REPO@REF:DIR [-r]", summary: "list entries under a directory",
    flags: { recursive: "bool" }, aliases: { "-r": "recursive" }, flagHelp: { recursive: "every entry below DIR, not only its children" },
    examples: ["calf list file images@master:/", "calf list file images@master:/raw -r -o json"],
    minArgs: 1, maxArgs: 1, mode: "read",
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
    flags: {}, examples: ["calf glob file images@master:'/*'", "calf glob file logs@master:'/**.gz'"],
    minArgs: 1, maxArgs: 1, mode: "read",
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
    words: ["diff", "file"], usage: "diff file REPO@REF[:PATH] [REPO@REF2[:PATH]]", summary: "added/modified/deleted paths: what REF changed, or from REF to REF2",
    details: [
      "With one ref: what that commit changed against its parent (like git show --stat REF).",
      "With two: what changed from the first to the second, as git diff A B reads: \"added\" is in the",
      "second and not the first. PATH (on either) limits the diff to that file or folder.",
    ].join("\n"),
    flags: {},
    examples: [
      "calf diff file images@master                  # what master's head changed",
      "calf diff file images@master^3 images@master  # everything since three commits ago",
      "calf diff file images@master:/raw             # only under /raw",
    ],
    minArgs: 1, maxArgs: 2, mode: "read",
    async run(app, p) {
      const a = parseFileArg(p.args[0]!);
      const b = p.args[1] !== undefined ? parseFileArg(p.args[1]) : undefined;
      const first = await app.repos.resolve(a.repo, a.ref);
      let from: { tree: string } | null;
      let to: { tree: string };
      if (b) {
        from = first;
        to = await app.repos.resolve(b.repo, b.ref);
      } else {
        from = first.parent ? await app.repos.getCommit(first.parent) : null;
        to = first;
      }
      const scoped = b && b.path !== "/" ? b.path : a.path;
      const scope = scoped === "/" ? "" : scoped;
      const diff = (await diffTrees(app.repos.trees, from?.tree ?? null, to.tree)).filter((d) => !scope || d.path === scope || d.path.startsWith(scope + "/"));
      if (app.out.json) printJson(app.out, diff.map((d) => ({ path: d.path, change: d.change, size_bytes: d.size })));
      else printTable(app.out, ["CHANGE", "PATH", "SIZE"], diff.map((d) => [d.change, d.path, humanBytes(d.size)]));
      return 0;
    },
  },
];

function printFiles(app: App, files: ReturnType<typeof fileJson>[]): void {
  if (app.out.json) printJson(app.out, files);
  else printTable(app.out, ["PATH", "TYPE", "SIZE"], files.map((f) => [f.path, f.type, humanBytes(f.size_bytes)]));
}

