// snapshotFolder(): a folder-backed repo holds exactly its folder, after any
// mix of additions, edits, touches and deletions, as `put file -r
// --overwrite` of that folder into a fresh repo would; no commit when nothing
// changed; the folder is only read.
import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { putFile } from "../../src/repo/files.ts";
import { snapshotFolder } from "../../src/repo/snapshot.ts";
import { StatCache } from "../../src/store/statcache.ts";
import { openTestApp, type TestApp } from "../helpers/app.ts";
import { fileMap, putText } from "../helpers/repo.ts";
import { listFiles, writeFiles } from "../helpers/tmp.ts";

const open: TestApp[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

async function app(): Promise<TestApp> {
  const t = await openTestApp();
  open.push(t);
  await t.app.repos.createRepo("books");
  return t;
}

/** A clock far past every file's ctime: nothing counts as racy (the racy rule has its own tests). */
const later = () => Date.now() + 10_000;
const snap = (t: TestApp, folder: string, now = later) => snapshotFolder(t.app.repos, new StatCache(t.app.db), "books", folder, { now });

/** The tree `put file books2@master:/ -f folder -r --overwrite` makes in a fresh repo. */
async function putTree(t: TestApp, folder: string): Promise<string> {
  const name = `fresh${open.length}${Math.random().toString(36).slice(2, 8)}`;
  await t.app.repos.createRepo(name);
  const c = await putFile(t.app.repos, name, "master", "/", folder, { recursive: true, overwrite: true });
  return c.tree;
}

const head = (t: TestApp) => t.app.repos.branchHead("books", "master");
const commits = async (t: TestApp) => (await t.app.repos.listCommits("books", "master")).length;

describe("snapshotFolder()", () => {
  test("snapshotFolder() makes the tree put file -r --overwrite makes of the same folder (links, FIFOs skipped by both)", async () => {
    const t = await app();
    const folder = path.join(t.dir, "books");
    writeFiles(folder, { "a.txt": "alpha\n", "empty": "", "d/b.txt": "beta\n", "d/e/ünï code.txt": "c\n", "x y/z": "z\n" });
    fs.symlinkSync("/etc/hostname", path.join(folder, "link"));
    fs.mkdirSync(path.join(folder, "emptydir"));
    expect(spawnSync("mkfifo", [path.join(folder, "fifo")]).status).toBe(0);
    const c = await snap(t, folder);
    expect(c).not.toBeNull();
    expect(c!.tree).toBe(await putTree(t, folder));
    expect(Object.keys(await fileMap(t.app.repos, c!)).sort()).toEqual(["/a.txt", "/d/b.txt", "/d/e/ünï code.txt", "/empty", "/x y/z"]);
  });

  test("snapshotFolder() skips a name that is not UTF-8 (and says so) instead of failing every pass; a real U+FFFD in a name is kept", async () => {
    const t = await app();
    const folder = path.join(t.dir, "books");
    writeFiles(folder, { "a.txt": "alpha\n", "b\uFFFD": "real\n" });
    const dir = Buffer.concat([Buffer.from(folder + "/"), Buffer.from([0x78, 0xff])]);
    fs.writeFileSync(Buffer.concat([Buffer.from(folder + "/"), Buffer.from([0x61, 0xfe])]), "latin-1\n");
    fs.mkdirSync(dir);
    fs.writeFileSync(Buffer.concat([dir, Buffer.from("/in")]), "inside\n");
    const skipped: string[] = [];
    const c = await snapshotFolder(t.app.repos, new StatCache(t.app.db), "books", folder, { now: later, onSkip: (_, why) => skipped.push(why) });
    expect(c).not.toBeNull();
    expect(Object.keys(await fileMap(t.app.repos, c!)).sort()).toEqual(["/a.txt", "/b\uFFFD"]);
    expect(skipped).toEqual([expect.stringContaining("not valid UTF-8"), expect.stringContaining("not valid UTF-8")]);
  });

  test("snapshotFolder() makes no commit when the folder did not change, nor when a file was only touched", async () => {
    const t = await app();
    const folder = path.join(t.dir, "books");
    writeFiles(folder, { "a": "1", "b": "2" });
    expect(await snap(t, folder)).not.toBeNull();
    expect(await snap(t, folder)).toBeNull();
    const now = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(folder, "a"), now, now);
    expect(await snap(t, folder)).toBeNull();
    expect(await commits(t)).toBe(1);
  });

  test("snapshotFolder() undoes a put into the repo since the last snapshot: the folder is the source of truth", async () => {
    const t = await app();
    const folder = path.join(t.dir, "books");
    writeFiles(folder, { "a": "1" });
    await snap(t, folder);
    await putText(t.app.repos, "books", "/stray", "put by hand\n");
    await putText(t.app.repos, "books", "/a", "appended\n");
    const c = await snap(t, folder);
    expect(await fileMap(t.app.repos, c!)).toEqual({ "/a": "1" });
  });

  test("snapshotFolder() only reads the folder: names, bytes and times stay as they were", async () => {
    const t = await app();
    const folder = path.join(t.dir, "books");
    writeFiles(folder, { "a": "1", "d/b": "2" });
    const state = () => listFiles(folder).map((f) => {
      const st = fs.statSync(path.join(folder, f));
      return [f, fs.readFileSync(path.join(folder, f), "utf8"), st.mtimeMs, st.ino];
    });
    const before = state();
    await snap(t, folder);
    fs.writeFileSync(path.join(folder, "a"), "changed");
    const mid = state();
    await snap(t, folder);
    expect(state()).toEqual(mid);
    expect(before.length).toBe(mid.length);
    expect(fs.readdirSync(folder).sort()).toEqual(["a", "d"]);
  });

  test("after any edits, touches, deletions and file/folder swaps, each snapshot equals a fresh put -r of the folder (property)", async () => {
    const file = fc.constantFrom("a", "b", "d/a", "d/b", "d/e/c", "x");
    type Op = { kind: "write"; file: string; text: string } | { kind: "rm"; file: string } | { kind: "touch"; file: string } | { kind: "swap" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("write" as const), file, text: fc.constantFrom("1", "22", "333", "") }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("rm" as const), file: fc.constantFrom("a", "d", "d/a", "d/e", "x") }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("touch" as const), file }) },
      // `x` becomes a folder holding a file, or back: a path that changes type.
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("swap" as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), async (rounds) => {
        const t = await app();
        const folder = path.join(t.dir, "books");
        writeFiles(folder, { "seed": "s" });
        let clock = Date.now() + 10_000;
        for (const ops of rounds) {
          for (const o of ops) apply(folder, o);
          clock += 10_000;
          const before = await head(t);
          const c = await snap(t, folder, () => clock);
          const now = (await head(t))!;
          expect(now.tree).toBe(await putTree(t, folder));
          // A commit exactly when the content changed.
          expect(c === null).toBe(before !== null && before.tree === now.tree);
        }
        t.close();
      }),
      { numRuns: 30, seed: 4340, endOnFailure: true },
    );
  }, 60_000);
});

function apply(folder: string, o: { kind: string; file?: string; text?: string }): void {
  const p = o.file ? path.join(folder, o.file) : "";
  if (o.kind === "write") {
    // A folder in the way of the file, or a file in the way of its folder: replaced, as an editor would.
    for (let d = path.dirname(p); d.length > folder.length; d = path.dirname(d)) if (fs.statSync(d, { throwIfNoEntry: false })?.isFile()) fs.rmSync(d);
    if (fs.statSync(p, { throwIfNoEntry: false })?.isDirectory()) fs.rmSync(p, { recursive: true });
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, o.text!);
  } else if (o.kind === "rm") fs.rmSync(p, { recursive: true, force: true });
  else if (o.kind === "touch") {
    if (fs.existsSync(p)) fs.utimesSync(p, new Date(Date.now() + 1000), new Date(Date.now() + 1000));
  } else {
    const x = path.join(folder, "x");
    const isDir = fs.statSync(x, { throwIfNoEntry: false })?.isDirectory();
    fs.rmSync(x, { recursive: true, force: true });
    if (isDir) fs.writeFileSync(x, "file now");
    else writeFiles(folder, { "x/inner": "dir now" });
  }
}

describe("snapshotFolder() and a file swapped for a link between the listing and the read", () => {
  // The swap happens in onChange: after the listing and stats, before any file is read.
  const secretDir = () => {
    const d = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "calf-secret-"));
    fs.writeFileSync(path.join(d, "shadow"), "root:secret\n");
    return d;
  };
  const attempt = async (files: Record<string, string>, swap: (folder: string, secret: string) => void) => {
    const t = await app();
    const folder = path.join(t.dir, "books");
    writeFiles(folder, files);
    const secret = secretDir();
    try {
      const err = await snapshotFolder(t.app.repos, new StatCache(t.app.db), "books", folder, { now: later, onChange: () => swap(folder, secret) }).catch((e) => e as Error);
      return { message: String((err as Error | null)?.message), head: await head(t), stored: await t.app.repos.store.has(t.app.rt.sha256("root:secret\n")) };
    } finally {
      fs.rmSync(secret, { recursive: true, force: true });
    }
  };

  test("the file itself becomes a link to a host file: the snapshot fails, no commit, the secret is not stored", async () => {
    const r = await attempt({ "a.txt": "alpha\n", "b.txt": "beta\n" }, (folder, secret) => {
      fs.rmSync(path.join(folder, "b.txt"));
      fs.symlinkSync(path.join(secret, "shadow"), path.join(folder, "b.txt"));
    });
    expect(r.message).toContain("changed while calf read it: it is a symbolic link now");
    expect({ head: r.head, stored: r.stored }).toEqual({ head: null, stored: false });
  });

  test("a folder above it becomes a link to a host folder: refused the same way", async () => {
    const r = await attempt({ "sub/shadow": "mine\n" }, (folder, secret) => {
      fs.rmSync(path.join(folder, "sub"), { recursive: true });
      fs.symlinkSync(secret, path.join(folder, "sub"));
    });
    expect(r.message).toContain("changed while calf read it: it is reached through a link to");
    expect({ head: r.head, stored: r.stored }).toEqual({ head: null, stored: false });
  });
});
