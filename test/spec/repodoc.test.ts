// Folder-backed repo documents (`repo: {name, source}`): the schema, the
// folder's existence (lint), and clashes with the folder's other names.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatIssue } from "../../src/spec/format.ts";
import { loadFolder } from "../../src/spec/load.ts";
import { parseSpecText } from "../../src/spec/parse.ts";
import { isRepoDoc, validateRepoDoc } from "../../src/spec/repodoc.ts";

const FILE = "/w/pipelines/books.yaml";

function one(text: string) {
  const { docs } = parseSpecText("pipelines/books.yaml", text);
  return validateRepoDoc(docs[0]!, FILE);
}

describe("validateRepoDoc()", () => {
  // --- accepted ---
  test.each<[string, string, string]>([
    ["a source relative to the spec file's folder", "repo: {name: books, source: sample/books}\n", "/w/pipelines/sample/books"],
    ["a source that leaves it", "repo: {name: books, source: ../data/books/}\n", "/w/data/books"],
    ["an absolute source", "repo: {name: books, source: /srv/books}\n", "/srv/books"],
    ["the spec's own folder", "repo: {name: books, source: .}\n", "/w/pipelines"],
  ])("validateRepoDoc() takes %s", (_what, text, folder) => {
    const r = one(text);
    expect(r.issues).toEqual([]);
    expect({ name: r.repo!.name, folder: r.repo!.folder, description: r.repo!.description, file: r.repo!.file })
      .toEqual({ name: "books", folder, description: "", file: FILE });
  });

  // --- refused ---
  test.each<[string, string, string]>([
    ["no source", "repo: {name: books}\n", 'pipelines/books.yaml:1:7: repo.source: missing (required) (e.g. repo: {name: books, source: data/books}: a folder, relative to this file\'s folder)'],
    ["no name", "repo: {source: x}\n", "pipelines/books.yaml:1:7: repo.name: missing (required) (e.g. repo: {name: books, source: data/books})"],
    ["a bad name", "repo: {name: b/c, source: x}\n", 'pipelines/books.yaml:1:14: repo.name: "b/c" is not a valid repo name (use letters, digits, "_" and "-")'],
    ["an empty source", 'repo: {name: books, source: ""}\n', "pipelines/books.yaml:1:29: repo.source: is empty (name a folder, relative to /w/pipelines)"],
    ["an unknown field", "repo: {name: books, source: x, sorce: y}\n", "pipelines/books.yaml:1:32: repo.sorce: unknown field (did you mean \"source\"?)"],
    ["a field beside repo", "repo: {name: books, source: x}\ninput: {}\n", "pipelines/books.yaml:2:1: input: unknown field (known fields: repo)"],
  ])("validateRepoDoc() refuses %s", (_what, text, line) => {
    expect(one(text).issues.map(formatIssue)).toEqual([line]);
  });

  test("isRepoDoc() tells a repo document from a pipeline's", () => {
    const docs = parseSpecText("p.yaml", "repo: {name: a, source: x}\n---\npipeline: {name: p}\n---\n[1]\n").docs;
    expect(docs.map(isRepoDoc)).toEqual([true, false, false]);
  });
});

describe("loadFolder() with folder-backed repos", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "calf-repodoc-"));
    await mkdir(join(root, "pipelines"));
    await mkdir(join(root, "books"));
    await writeFile(join(root, "afile"), "");
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const load = async (files: Record<string, string>, existingRepos: string[] = []) => {
    const dir = await mkdtemp(join(root, "pipelines", "p-"));
    for (const [n, t] of Object.entries(files)) await writeFile(join(dir, n), t);
    const r = await loadFolder(dir, { existingRepos });
    return { ...r, lines: r.issues.map((i) => formatIssue({ ...i, file: i.file.slice(dir.length + 1) })) };
  };
  const counter = "pipeline: {name: count}\ntransform: {cmd: [wc]}\ninput: {pfs: {repo: books, glob: \"/*\"}}\n";

  test("loadFolder() returns the declared repos, and a pipeline may read one that does not exist yet", async () => {
    const r = await load({ "books.yaml": "repo: {name: books, source: ../../books, description: the books}\n---\n" + counter });
    expect(r.lines).toEqual([]);
    expect(r.repos.map((x) => [x.name, x.folder, x.description])).toEqual([["books", join(root, "books"), "the books"]]);
    expect(r.specs.map((s) => s.name)).toEqual(["count"]);
  });

  test.each<[string, Record<string, string>, string[]]>([
    ["a missing folder", { "b.yaml": "repo: {name: books, source: ../../nothere}\n" }, [`b.yaml:1:29: repo.source: folder "${"ROOT"}/nothere" does not exist (create it, or fix the path: it is relative to DIR)`]],
    ["a file, not a folder", { "b.yaml": "repo: {name: books, source: ../../afile}\n" }, [`b.yaml:1:29: repo.source: "${"ROOT"}/afile" is not a folder (a folder-backed repo mirrors a folder: name one)`]],
    ["a repo declared twice", { "a.yaml": "repo: {name: books, source: ../../books}\n", "b.yaml": "repo: {name: books, source: ../../books}\n" }, [
      "a.yaml:1:14: repo.name: repo \"books\" is also declared at FILE_B (a folder-backed repo needs a name of its own)",
      "b.yaml:1:14: repo.name: repo \"books\" is also declared at FILE_A (a folder-backed repo needs a name of its own)",
    ]],
    ["a pipeline's output repo", { "a.yaml": "repo: {name: count, source: ../../books}\n---\n" + counter.replace("books", "raw") }, [
      "a.yaml:1:14: repo.name: repo \"count\" is also the output repo of pipeline \"count\" (a folder-backed repo needs a name of its own)",
    ]],
  ])("loadFolder() reports %s", async (_what, files, want) => {
    const r = await load(files, ["raw"]);
    const dir = r.issues[0] ? r.issues[0].file.slice(0, r.issues[0].file.lastIndexOf("/")) : "";
    const norm = (l: string) => l.replaceAll(`relative to ${dir}`, "relative to DIR").replaceAll(root, "ROOT")
      .replace(/at \S*a\.yaml:1/, "at FILE_A").replace(/at \S*b\.yaml:1/, "at FILE_B");
    expect(r.lines.map(norm)).toEqual(want);
  });
});
