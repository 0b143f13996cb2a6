// calf why: an output file's datums and input files up the DAG (text tree and
// JSON), several writers of an appended path, older commits (cached results),
// forward from an input, and its errors. calf runs as a subprocess.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

let cwd: string;
const run = (args: string[], code = 0, input?: string) => {
  const r = calf(args, { cwd, input });
  if (r.code !== code) throw new Error(`calf ${args.join(" ")} exited ${r.code}, not ${code}: ${r.stderr}`);
  return r;
};
const json = (args: string[]) => JSON.parse(run([...args, "-o", "json"]).stdout);
const s12 = (id: string) => id.slice(0, 12);

// images (/a.txt, /b.txt) -> count (one datum per file: /<n>.count; every datum also appends to /all.lines)
//                         -> total (one datum over all of count: /sum)
beforeAll(() => {
  cwd = tempDir();
  fs.mkdirSync(path.join(cwd, "pipelines"));
  fs.writeFileSync(path.join(cwd, "pipelines/count.yaml"), `pipeline: {name: count}\ntransform: {cmd: [sh, -c, 'n=$(basename "$images"); wc -c < "$images" > /pfs/out/$n.count; cat "$images" > /pfs/out/all.lines']}\ninput: {pfs: {repo: images, glob: "/*"}}\n`);
  fs.writeFileSync(path.join(cwd, "pipelines/total.yaml"), `pipeline: {name: total}\ntransform: {cmd: [sh, -c, 'cat /pfs/count/*.count > /pfs/out/sum']}\ninput: {pfs: {repo: count, glob: "/"}}\n`);
  run(["create", "repo", "images"]);
  run(["put", "file", "images@master:/a.txt", "-f", "-"], 0, "aaa\n");
  run(["put", "file", "images@master:/b.txt", "-f", "-"], 0, "bb\n");
  run(["run", "--once"]);
}, 60_000);
afterAll(() => removeDir(cwd));

describe("calf why", () => {
  test("why REPO@REF:PATH draws the datums and input files behind an output, up the DAG to user commits", () => {
    const images = json(["inspect", "commit", "images@master"]).id;
    const count = json(["inspect", "commit", "count@master"]);
    const total = json(["inspect", "commit", "total@master"]);
    const cd = json(["list", "datum", count.job]) as { id: string; inputs: { path: string }[] }[];
    const [a, b] = ["/a.txt", "/b.txt"].map((p) => cd.find((d) => d.inputs[0]!.path === p)!.id);
    const t = json(["list", "datum", total.job])[0].id;
    expect(run(["why", "total@master:/sum"]).stdout).toBe([
      `total@${s12(total.id)}:/sum`,
      `└── written by datum ${s12(t)} (total job ${s12(total.job)})`,
      `    └── count@${s12(count.id)}:/`,
      `        ├── written by datum ${s12(a!)} (count job ${s12(count.job)})`,
      `        │   └── images@${s12(images)}:/a.txt (user commit)`,
      `        └── written by datum ${s12(b!)} (count job ${s12(count.job)})`,
      `            └── images@${s12(images)}:/b.txt (user commit)`,
      "",
    ].join("\n"));
  });

  test("why -o json nests datums and their inputs with full ids", () => {
    const w = json(["why", "count@master:/a.txt.count"]);
    const images = json(["inspect", "commit", "images@master"]).id;
    expect(w).toMatchObject({ repo: "count", path: "/a.txt.count", type: "file", origin: "job", more: 0 });
    expect(w.datums).toHaveLength(1);
    expect(w.datums[0].id).toMatch(/^[0-9a-f]{64}$/);
    expect(w.datums[0].inputs).toEqual([{ repo: "images", commit: images, path: "/a.txt", type: "file", origin: "user", datums: [], more: 0 }]);
  });

  test("a path that several datums appended to lists every writer, in merge order", () => {
    const w = json(["why", "count@master:/all.lines"]);
    expect(w.datums.map((d: { inputs: { path: string }[] }) => d.inputs[0]!.path)).toEqual(["/a.txt", "/b.txt"]);
  });

  test("why --forward follows an input file down the DAG: the datums that read it and what they wrote", () => {
    const images = json(["inspect", "commit", "images@master"]).id;
    const count = json(["inspect", "commit", "count@master"]);
    const total = json(["inspect", "commit", "total@master"]);
    const b = json(["list", "datum", count.job]).find((d: { inputs: { path: string }[] }) => d.inputs[0]!.path === "/b.txt").id;
    const t = json(["list", "datum", total.job])[0].id;
    expect(run(["why", "images@master:/b.txt", "--forward"]).stdout).toBe([
      `images@${s12(images)}:/b.txt (user commit)`,
      `└── read by datum ${s12(b)} (count job ${s12(count.job)})`,
      `    ├── count@${s12(count.id)}:/all.lines`,
      `    │   └── read by datum ${s12(t)} (total job ${s12(total.job)})`,
      `    │       └── total@${s12(total.id)}:/sum`,
      `    └── count@${s12(count.id)}:/b.txt.count`,
      `        └── read by datum ${s12(t)} (total job ${s12(total.job)})`,
      `            └── total@${s12(total.id)}:/sum (see above)`,
      "",
    ].join("\n"));
  });

  test("why on an older output commit uses the cached results of its job (not the datum index)", () => {
    run(["put", "file", "images@master:/c.txt", "-f", "-"], 0, "c\n");
    run(["run", "--once"]);
    const old = json(["why", "count@master^1:/a.txt.count"]);
    expect(old.datums[0].inputs[0].path).toBe("/a.txt");
    // Forgotten results (restart datum) leave the old job's outputs unknown: said, not guessed.
    const job = json(["inspect", "commit", "count@master^1"]).job;
    for (const d of json(["list", "datum", job])) run(["restart", "datum", job, d.id]);
    expect(json(["why", "count@master^1:/a.txt.count"])).toMatchObject({ datums: [], note: expect.stringContaining("are no longer recorded") });
  });

  test.each<[string, string[], RegExp]>([
    ["a missing path", ["why", "count@master:/nosuch"], /^calf: path "\/nosuch" does not exist in count@master\nhint: list files with: calf list file count@master:\/\n$/],
    ["an unknown repo", ["why", "cuont@master:/a"], /^calf: repo "cuont" does not exist\n/],
    ["no path", ["why", "count@master"], /^calf: "count@master" names no path\n/],
  ])("why with %s exits 2 with one line", (_n, args, err) => {
    const r = calf(args, { cwd });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
    expect(r.stderr).toMatch(err);
  });
});
