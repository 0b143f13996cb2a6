import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { InputRecycler } from "../../src/transform/recycle.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));
function slot() {
  const d = tempDir();
  dirs.push(d);
  fs.mkdirSync(path.join(d, "pfs", "data"), { recursive: true });
  return { d, r: new InputRecycler(path.join(d, "spare")) };
}

describe("InputRecycler", () => {
  test("give() then place() moves the same inode to the next datum's path, writable for the copy; none left: false", () => {
    const { d, r } = slot();
    const a = path.join(d, "pfs", "data", "a");
    fs.writeFileSync(a, "old", { mode: 0o444 });
    const ino = fs.statSync(a).ino;
    r.give(a);
    expect(fs.existsSync(a)).toBe(false);
    const b = path.join(d, "pfs", "data", "b");
    expect(r.place(b)).toBe(true);
    expect(fs.statSync(b).ino).toBe(ino);
    expect(fs.statSync(b).mode & 0o777).toBe(0o600);
    expect(r.place(path.join(d, "pfs", "data", "c"))).toBe(false);
  });

  test("give() unlinks what is not a lone regular file (a symlink, a hard link), and place() into a missing folder throws ENOENT", () => {
    const { d, r } = slot();
    const host = path.join(d, "host");
    fs.writeFileSync(host, "h");
    const linked = path.join(d, "pfs", "data", "l");
    fs.linkSync(host, linked);
    const sym = path.join(d, "pfs", "data", "s");
    fs.symlinkSync(host, sym);
    r.give(linked);
    r.give(sym);
    expect([fs.existsSync(linked), fs.existsSync(sym), fs.readFileSync(host, "utf8")]).toEqual([false, false, "h"]);
    expect(r.place(path.join(d, "pfs", "data", "x"))).toBe(false);
    const f = path.join(d, "pfs", "data", "f");
    fs.writeFileSync(f, "f");
    r.give(f);
    expect(() => r.place(path.join(d, "pfs", "nothere", "x"))).toThrow(/ENOENT/);
    expect(r.place(path.join(d, "pfs", "data", "g"))).toBe(true); // the spare was kept for the retry
  });
});
