import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveSettings } from "../../src/app.ts";
import { dbFileOf, missingData } from "../../src/cli/datadir.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));

describe("dbFileOf()", () => {
  test.each<[string, string | null]>([
    ["file:/d/calf.db", "/d/calf.db"],
    ["file:rel.db", "/cwd/rel.db"],
    ["file:///abs/x.db", "/abs/x.db"],
    ["file:/d/my%20db.db?mode=ro", "/d/my db.db"],
    ["file::memory:", null],
    ["libsql://db.example.com", null],
    ["https://db.example.com", null],
  ])("dbFileOf(%p) is %p", (url, want) => {
    expect(dbFileOf(url, "/cwd")).toBe(want);
  });
});

describe("missingData()", () => {
  test("missingData() names a missing folder, a file in its place, and a folder with no database; null for a data dir", () => {
    const cwd = tempDir();
    dirs.push(cwd);
    const s = resolveSettings({}, {}, cwd);
    expect(missingData(s, cwd)?.message).toBe(`not a calf data dir: ${cwd}/.calf does not exist`);
    expect(missingData(s, cwd)?.code).toBe("not_found");
    fs.writeFileSync(path.join(cwd, ".calf"), "");
    expect(missingData(s, cwd)?.message).toBe(`not a calf data dir: ${cwd}/.calf is not a folder`);
    fs.rmSync(path.join(cwd, ".calf"));
    fs.mkdirSync(path.join(cwd, ".calf"));
    expect(missingData(s, cwd)?.message).toBe(`not a calf data dir: ${cwd}/.calf holds no calf database (${cwd}/.calf/calf.db)`);
    fs.writeFileSync(path.join(cwd, ".calf", "calf.db"), "");
    expect(missingData(s, cwd)).toBeNull();
    // A database server: the data dir alone decides.
    expect(missingData(resolveSettings({ db: "libsql://db.example.com" }, {}, cwd), cwd)).toBeNull();
  });
});
