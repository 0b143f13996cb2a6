// get file checks what it serves against the hash it is stored under: a
// corrupt or missing object fails the command loudly (exit 1, one line naming
// repo, commit, path and both hashes), and -o FILE is never left corrupt.
import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));
const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

function setup() {
  const cwd = tempDir();
  dirs.push(cwd);
  const ok = (args: string[], input?: string) => {
    const r = calf(args, { cwd, input });
    if (r.code !== 0) throw new Error(`calf ${args.join(" ")}: ${r.stderr}`);
    return r;
  };
  ok(["create", "repo", "r"]);
  const big = "0123456789abcdef".repeat(40_000); // 640 KB: streamed in several chunks
  ok(["put", "file", "r@master:/big", "-f", "-"], big);
  ok(["put", "file", "r@master:/d/small", "-f", "-"], "small\n");
  const commit = JSON.parse(ok(["list", "commit", "r", "-o", "json"]).stdout)[0].id as string;
  const object = (text: string) => path.join(cwd, ".calf", "objects", sha(text).slice(0, 2), sha(text).slice(2));
  const spoil = (text: string, bytes: string) => {
    fs.chmodSync(object(text), 0o644);
    fs.writeFileSync(object(text), bytes);
  };
  return { cwd, ok, big, commit, object, spoil };
}

describe("get file checks what it serves", () => {
  test("get file serves a sound file whole, to stdout and with -o FILE", () => {
    const { cwd, ok, big } = setup();
    expect(ok(["get", "file", "r@master:/big"]).stdout).toBe(big);
    ok(["get", "file", "r@master:/big", "-o", "out"]);
    expect(fs.readFileSync(path.join(cwd, "out"), "utf8")).toBe(big);
    expect(fs.readdirSync(cwd).filter((n) => n.includes("calf-"))).toEqual([]);
  });

  test("get file of an object changed on disk: exit 1 and one line naming repo, commit, path and both hashes", () => {
    const { cwd, big, commit, spoil } = setup();
    const changed = big.slice(0, -1) + "X";
    spoil(big, changed);
    const r = calf(["get", "file", "r@master:/big"], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`calf: get file r@${commit}:/big: the stored bytes do not match their hash: expected sha256 ${sha(big)}, read ${sha(changed)}`);
    expect(r.stderr.split("\n")[1]).toMatch(/^hint: run calf fsck/);
    expect(r.stderr).not.toContain("internal error");
  });

  test("get file -o FILE of a corrupt object writes no FILE (and leaves an existing one as it was), nor a temp file", () => {
    const { cwd, big, spoil } = setup();
    spoil(big, big.toUpperCase());
    expect(calf(["get", "file", "r@master:/big", "-o", "fresh"], { cwd }).code).toBe(1);
    expect(fs.existsSync(path.join(cwd, "fresh"))).toBe(false);
    fs.writeFileSync(path.join(cwd, "kept"), "older copy\n");
    expect(calf(["get", "file", "r@master:/big", "-o", "kept"], { cwd }).code).toBe(1);
    expect(fs.readFileSync(path.join(cwd, "kept"), "utf8")).toBe("older copy\n");
    expect(fs.readdirSync(cwd).sort()).toEqual([".calf", "kept"]);
  });

  test("get file -r fails on the corrupt file of the folder; a missing object is named as missing", () => {
    const { cwd, commit, spoil, object } = setup();
    spoil("small\n", "SMALL\n");
    const r = calf(["get", "file", "r@master:/d", "-r"], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`calf: get file r@${commit}:/d/small: the stored bytes do not match their hash: expected sha256 ${sha("small\n")}, read ${sha("SMALL\n")}`);
    fs.rmSync(object("small\n"));
    const gone = calf(["get", "file", "r@master:/d/small"], { cwd });
    expect({ code: gone.code, line: gone.stderr.split("\n")[0] }).toEqual({ code: 1, line: `calf: get file r@${commit}:/d/small: stored object ${sha("small\n")} is missing` });
  });
});
