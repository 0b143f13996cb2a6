// Data commands (SPEC §2.1): repos and commits (files: files.ts). Each
// definition carries its help: flag descriptions and examples.
import type { App } from "../app.ts";
import { getJob } from "../db/queries/jobs.ts";
import { getPipeline, listPipelines } from "../db/queries/pipelines.ts";
import { invalid } from "../errors.ts";
import { parseRepoRef } from "../repo/paths.ts";
import { leaves } from "../plan/input.ts";
import { bool, int, str } from "./args.ts";
import type { Command } from "./command.ts";
import { syncNow } from "./pipelines.ts";
import { commitJson, repoJson } from "../shapes.ts";
import { humanBytes, printFields, printJson, printTable, short } from "./output.ts";

const defaultBranch = (ref: string | undefined) => ref ?? "master";

export const dataCommands: Command[] = [
  {
    words: ["create", "repo"], usage: "create repo NAME [--description TEXT]", summary: "create an empty repo with branch master",
    flags: { description: "string" }, flagHelp: { description: "TEXT: what the repo holds (shown by list repo -o json)" },
    examples: ["calf create repo images", 'calf create repo logs --description "raw access logs"'],
    minArgs: 1, maxArgs: 1, mode: "write", createsData: true,
    async run(app, p) {
      await app.repos.createRepo(p.args[0]!, { description: str(p.flags, "description") });
      app.out.info(`created repo ${p.args[0]}`);
      return 0;
    },
  },
  {
    words: ["list", "repo"], usage: "list repo", summary: "repos with size, head commit and creation time", flags: {}, maxArgs: 0, mode: "read",
    examples: ["calf list repo", "calf list repo -o json | jq -r '.[].name'"],
    async run(app) {
      const repos = await app.repos.listRepos();
      if (app.out.json) printJson(app.out, repos.map(repoJson));
      else printTable(app.out, ["NAME", "SIZE", "HEAD", "CREATED"], repos.map((r) => [r.name, humanBytes(r.sizeBytes), short(r.head), r.created]));
      return 0;
    },
  },
  {
    words: ["delete", "repo"], usage: "delete repo NAME [--force]", summary: "delete a repo and its history",
    flags: { force: "bool" }, flagHelp: { force: "delete it even though pipelines read it" },
    examples: ["calf delete repo scratch"],
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      await syncNow(app); // a pipeline added to the folder since the last run reads it too
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
    words: ["start", "commit"], usage: "start commit REPO[@BRANCH]", summary: "open a commit: later puts and deletes join it until finish",
    details: "Nothing is visible, and no job starts, until finish commit. Prints the open commit's id.",
    flags: {}, examples: ["calf start commit images", "calf put file images@master:/a.png -f a.png", "calf finish commit images"],
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      const branch = defaultBranch(r.ref);
      const newBranch = (await app.repos.findRepo(r.repo)) && !(await app.repos.hasBranch(r.repo, branch));
      const c = await app.repos.startCommit(r.repo, branch);
      if (newBranch) app.out.info(`branch ${r.repo}@${branch} does not exist: finish commit creates it`);
      if (app.out.json) printJson(app.out, commitJson(c));
      else app.out.write(`${c.id}\n`);
      return 0;
    },
  },
  {
    words: ["finish", "commit"], usage: "finish commit REPO[@BRANCH]", summary: "finish the open commit: it becomes visible and triggers jobs",
    flags: {}, examples: ["calf finish commit images", "calf finish commit images@dev"],
    minArgs: 1, maxArgs: 1, mode: "write",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      const c = await app.repos.finishCommit(r.repo, defaultBranch(r.ref));
      app.out.info(`finished ${short(c.id)} on ${r.repo}@${c.branch}`);
      return 0;
    },
  },
  {
    words: ["list", "commit"], usage: "list commit REPO[@BRANCH] [-n N]", summary: "commits of a branch, newest first",
    flags: { number: "string" }, aliases: { "-n": "number" }, flagHelp: { number: "N: show at most N commits" },
    examples: ["calf list commit images", "calf list commit edges -n 5 -o json"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      await app.repos.requireRepo(r.repo);
      const branch = r.ref ?? (await getPipeline(app.db, r.repo))?.spec.outputBranch ?? "master";
      const commits = await app.repos.listCommits(r.repo, branch, int(p.flags, "number"));
      if (app.out.json) printJson(app.out, commits.map(commitJson));
      else printTable(app.out, ["ID", "BRANCH", "PARENT", "ORIGIN", "FINISHED", "SIZE"], commits.map((c) => [short(c.id), c.branch, short(c.parent), c.origin, c.finished ?? "(open)", humanBytes(c.sizeBytes)]));
      return 0;
    },
  },
  {
    words: ["inspect", "commit"], usage: "inspect commit REPO@REF", summary: "a commit with its provenance",
    flags: {}, examples: ["calf inspect commit edges@master", "calf inspect commit images@3fa9c2 -o json"],
    minArgs: 1, maxArgs: 1, mode: "read",
    async run(app, p) {
      const r = parseRepoRef(p.args[0]!);
      const c = await app.repos.resolve(r.repo, r.ref);
      const job = c.job ? await getJob(app.db, c.job) : undefined;
      const j = { ...commitJson(c), message: c.message, pipeline_version: job?.version ?? null };
      if (app.out.json) printJson(app.out, j);
      else printFields(app.out, Object.entries(j).map(([k, v]) => [k, Array.isArray(v) ? v.map((x: any) => `${x.repo}@${x.commit}`).join(", ") || "-" : v]));
      return 0;
    },
  },
];

/** Active pipelines with an input on `repo`. */
export async function pipelinesReading(app: App, repo: string, branch?: string): Promise<string[]> {
  return (await listPipelines(app.db))
    .filter((p) => p.active && leaves(p.spec.input).some((l) => l.repo === repo && (branch === undefined || l.branch === branch)))
    .map((p) => p.name);
}
