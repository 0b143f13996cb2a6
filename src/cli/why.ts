// `calf why REPO@REF:PATH [--forward]`: the datums and input files behind an
// output file, recursively up the DAG (or, forward, what was made from an
// input file), as a tree or as JSON. The tracing is ops/lineage.ts.
import type { App } from "../app.ts";
import { notFound } from "../errors.ts";
import { Lineage, MAX_CHILDREN, type DatumNode, type FileNode } from "../ops/lineage.ts";
import { parseFileArg } from "../repo/paths.ts";
import { bool } from "./args.ts";
import type { Command } from "./command.ts";
import { printable, printJson, short } from "./output.ts";

const ORIGIN: Record<string, string> = { user: "user commit", spout: "spout commit", cron: "cron tick" };

function fileLine(f: FileNode): string {
  const what = `${f.repo}@${short(f.commit)}:${f.path}${f.type === "dir" && f.path !== "/" ? "/" : ""}`;
  const tags = [ORIGIN[f.origin], f.seen ? "see above" : undefined, f.note].filter(Boolean);
  return printable(tags.length ? `${what} (${tags.join("; ")})` : what);
}

/** The tree as text: files and datums alternate, one per line, with box-drawing branches. */
export function renderTree(root: FileNode, forward: boolean): string {
  const lines = [fileLine(root)];
  const verb = forward ? "read by" : "written by";
  const walk = (f: FileNode, pad: string) => {
    const kids: (DatumNode | string)[] = [...f.datums, ...(f.more ? [`… and ${f.more} more datum${f.more === 1 ? "" : "s"}`] : [])];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      lines.push(`${pad}${last ? "└── " : "├── "}${typeof k === "string" ? k : `${verb} datum ${short(k.id)} (${k.pipeline} job ${short(k.job)})`}`);
      if (typeof k === "string") return;
      const inner = pad + (last ? "    " : "│   ");
      const files: (FileNode | string)[] = [...k.files, ...(k.more ? [`… and ${k.more} more file${k.more === 1 ? "" : "s"}`] : [])];
      files.forEach((x, j) => {
        const end = j === files.length - 1;
        lines.push(`${inner}${end ? "└── " : "├── "}${typeof x === "string" ? x : fileLine(x)}`);
        if (typeof x !== "string") walk(x, inner + (end ? "    " : "│   "));
      });
    });
  };
  walk(root, "");
  return lines.join("\n") + "\n";
}

/** The tree in JSON: full ids; a datum's files are its `inputs` (backward) or `outputs` (forward). */
export function treeJson(f: FileNode, forward: boolean): unknown {
  return {
    repo: f.repo, commit: f.commit, path: f.path, type: f.type, origin: f.origin,
    ...(f.seen ? { seen: true } : {}), ...(f.note ? { note: f.note } : {}),
    datums: f.datums.map((d) => ({ id: d.id, job: d.job, pipeline: d.pipeline, [forward ? "outputs" : "inputs"]: d.files.map((x) => treeJson(x, forward)), more: d.more })),
    more: f.more,
  };
}

async function why(app: App, arg: string, forward: boolean): Promise<number> {
  const a = parseFileArg(arg, { pathRequired: true });
  const c = await app.repos.resolve(a.repo, a.ref);
  const e = await app.repos.lookup(c, a.path);
  if (!e) throw notFound(`path "${a.path}" does not exist in ${a.repo}@${a.ref ?? "master"}`, `list files with: calf list file ${a.repo}@${a.ref ?? "master"}:/`);
  const lineage = new Lineage(app);
  const tree = forward ? await lineage.forward(c, e.path, e.type) : await lineage.backward(c, e.path, e.type);
  if (app.out.json) printJson(app.out, treeJson(tree, forward));
  else app.out.write(renderTree(tree, forward));
  return 0;
}

export const whyCommands: Command[] = [
  {
    words: ["why"], usage: "why REPO@REF:PATH [--forward]", summary: "which datums and input files made a file, up the DAG (or, --forward, what was made from it)",
    details: [
      "Backward (the default): the datums of the job that made the commit which wrote PATH (several, when datums append to one path), each with its input files, and the same for each input file that is itself a job's output, up to files a user, a spout or a cron tick committed. A folder PATH stands for every file under it.",
      "Forward: the datums of downstream jobs that read PATH (the job that read this commit, or the newest job if PATH is the same there), the files each one wrote, and so on down the DAG.",
      `At most ${MAX_CHILDREN} datums and files are shown under each line, the rest counted; a file met twice is shown once. Text shows 12-character ids; -o json the full ones.`,
    ].join("\n\n"),
    flags: { forward: "bool" },
    flagHelp: { forward: "what depends on PATH instead: the datums that read it and what they wrote, down the DAG" },
    examples: [
      "calf why sizes@master:/cat.png.size",
      "calf why images@master:/cat.png --forward  # what was made from this input",
      "calf why top@master:/top.txt -o json | jq '.datums[].inputs[].path'",
    ],
    minArgs: 1, maxArgs: 1, mode: "read",
    run: (app, p) => why(app, p.args[0]!, bool(p.flags, "forward")),
  },
];
