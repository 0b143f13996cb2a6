// calf init: a pipelines folder with one working example, which a first
// `run --once` runs; never over existing specs.
import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));
const fresh = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

describe("calf init", () => {
  test("calf init writes a spec that lints and runs: run --once counts the sample's words", () => {
    const cwd = fresh();
    const r = calf(["init"], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toStartWith("wrote pipelines/wordcount.yaml\ncreated repo text with /hello.txt\nnext:\n  calf run --once\n");
    expect(fs.readdirSync(path.join(cwd, "pipelines"))).toEqual(["wordcount.yaml"]);
    expect(calf(["lint"], { cwd })).toMatchObject({ code: 0, stderr: "1 pipeline spec OK\n" });
    expect(calf(["run", "--once"], { cwd }).code).toBe(0);
    expect(calf(["get", "file", "wordcount@master:/hello.txt.words"], { cwd })).toMatchObject({ code: 0, stdout: "12\n" });
    // The comment's recipe: a new file, one more datum.
    expect(calf(["put", "file", "text@master:/more.txt", "-f", "-"], { cwd, input: "one two three\n" }).code).toBe(0);
    expect(calf(["run", "--once"], { cwd }).stderr).toMatch(/wordcount: job \w+ success \(1 processed, 1 skipped/);
    expect(calf(["get", "file", "wordcount@master:/more.txt.words"], { cwd }).stdout).toBe("3\n");
  });

  test("calf init refuses a pipelines folder that holds specs (exit 2) and changes nothing", () => {
    const cwd = fresh();
    fs.mkdirSync(path.join(cwd, "pipelines"));
    fs.writeFileSync(path.join(cwd, "pipelines", "mine.yml"), "# mine\n");
    const r = calf(["init"], { cwd });
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toBe("calf: init: pipelines already holds specs (mine.yml)\nhint: calf init only starts a new folder; point --pipelines (or CALF_PIPELINES) at another one\n");
    expect(fs.readdirSync(cwd)).toEqual(["pipelines"]);
    expect(fs.readFileSync(path.join(cwd, "pipelines", "mine.yml"), "utf8")).toBe("# mine\n");
    // A second init over its own work is refused the same way.
    const other = fresh();
    expect(calf(["init"], { cwd: other }).code).toBe(0);
    expect(calf(["init"], { cwd: other }).code).toBe(2);
  });

  test("calf init keeps an existing repo text as it is", () => {
    const cwd = fresh();
    calf(["create", "repo", "text"], { cwd });
    calf(["put", "file", "text@master:/mine.txt", "-f", "-"], { cwd, input: "a b\n" });
    const r = calf(["init"], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("created repo");
    calf(["run", "--once"], { cwd });
    expect(JSON.parse(calf(["list", "file", "wordcount@master:/", "-o", "json"], { cwd }).stdout).map((f: { path: string }) => f.path)).toEqual(["/mine.txt.words"]);
  });
});
