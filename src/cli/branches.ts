// Branch commands: list, create and delete branches of a repo. A put to a
// branch that does not exist also creates it (put file says so).
import { deleteBranch, insertBranch, listBranches } from "../db/queries/branches.ts";
import { getPipeline } from "../db/queries/pipelines.ts";
import { conflict, invalid, notFound, usageError } from "../errors.ts";
import { checkName, parseRepoRef } from "../repo/paths.ts";
import { suggest } from "../spec/suggest.ts";
import { bool, str } from "./args.ts";
import type { Command } from "./command.ts";
import { pipelinesReading } from "./data.ts";
import { printJson, printTable, short } from "./output.ts";

/** `REPO@BRANCH`, both required. */
function repoBranch(arg: string, verb: string): { repo: string; branch: string } {
  const r = parseRepoRef(arg);
  if (r.ref === undefined) throw usageError(`${verb} branch needs REPO@BRANCH, got "${arg}"`, `e.g. calf ${verb} branch ${r.repo}@dev`);
  return { repo: r.repo, branch: r.ref };
}

export const branchCommands: Command[] = [
  {
    words: ["list", "branch"], usage: "list branch REPO", summary: "branches of a repo with their heads",
    flags: {}, examples: ["calf list branch images", "calf list branch images -o json"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const repo = parseRepoRef(p.args[0]!).repo;
      await app.repos.requireRepo(repo);
      const rows = await listBranches(app.db, repo);
      if (app.out.json) printJson(app.out, rows.map((b) => ({ repo: b.repo, name: b.name, head: b.head, open_commit: b.open })));
      else printTable(app.out, ["BRANCH", "HEAD", "FINISHED", "OPEN COMMIT"], rows.map((b) => [b.name, short(b.head), b.finished ?? "-", short(b.open)]));
      return 0;
    },
  },
  {
    words: ["create", "branch"], usage: "create branch REPO@BRANCH [--head REF]", summary: "create a branch, empty or at a commit",
    details: "Without --head the branch is empty until the first put. REF is a branch, a commit id or prefix, or REF^N.",
    flags: { head: "string" }, flagHelp: { head: "REF: start the branch at this commit of the same repo" },
    examples: ["calf create branch images@dev --head master", "calf create branch images@empty"],
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const { repo, branch } = repoBranch(p.args[0]!, "create");
      await app.repos.requireRepo(repo);
      checkName("branch", branch);
      const ref = str(p.flags, "head");
      const head = ref === undefined ? null : (await app.repos.resolve(repo, ref)).id;
      if (!(await insertBranch(app.db, repo, branch, head))) throw conflict(`branch ${repo}@${branch} already exists`, `list branches with: calf list branch ${repo}`);
      app.out.info(`created branch ${repo}@${branch}${head ? ` at ${head}` : " (empty)"}`);
      return 0;
    },
  },
  {
    words: ["delete", "branch"], usage: "delete branch REPO@BRANCH [--force]", summary: "delete a branch (its commits stay reachable by id)",
    flags: { force: "bool" }, flagHelp: { force: "delete it even though pipelines read or write it" },
    examples: ["calf delete branch images@dev"],
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const { repo, branch } = repoBranch(p.args[0]!, "delete");
      await app.repos.requireRepo(repo);
      const all = await listBranches(app.db, repo);
      const b = all.find((x) => x.name === branch);
      if (!b) {
        const close = suggest(branch, all.map((x) => x.name));
        throw notFound(`branch ${repo}@${branch} does not exist`, close ? `did you mean "${repo}@${close}"?` : `list branches with: calf list branch ${repo}`);
      }
      if (b.open) throw conflict(`a commit is open on ${repo}@${branch}`, `finish it first: calf finish commit ${repo}@${branch}`);
      if (!bool(p.flags, "force")) {
        const readers = await pipelinesReading(app, repo, branch);
        const owner = await getPipeline(app.db, repo);
        if (owner?.active && owner.spec.outputBranch === branch) readers.unshift(`${repo} (its output branch)`);
        if (readers.length) throw invalid(`branch ${repo}@${branch} is used by pipeline${readers.length > 1 ? "s" : ""} ${readers.join(", ")}`, "change those pipelines first, or pass --force");
      }
      await deleteBranch(app.db, repo, branch);
      app.out.info(`deleted branch ${repo}@${branch}${b.head ? ` (its head was ${b.head})` : ""}`);
      return 0;
    },
  },
];
