// `calf store push|pull` as a user runs them (calf as a subprocess), against
// s3rver on loopback: a data dir's objects go fs -> S3 -> a fresh data dir
// byte for byte; what the destination has is skipped; missing and corrupt
// objects are reported, not copied, and exit 1.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { calf } from "../helpers/cli.ts";
import { startS3, type S3Server } from "../helpers/s3.ts";
import { listFiles, removeDir, tempDir } from "../helpers/tmp.ts";

let server: S3Server;
let dir: string;
let n = 0;
beforeAll(async () => {
  server = await startS3();
  dir = tempDir();
  fs.mkdirSync(path.join(dir, "pipelines"));
  fs.writeFileSync(path.join(dir, "pipelines/up.yaml"), `pipeline: {name: up}\ntransform: {cmd: [sh, -c, 'tr a-z A-Z < "$in" > /pfs/out/$(basename "$in")']}\ninput: {pfs: {repo: in, glob: "/*"}}\n`);
  const big = path.join(dir, "big.bin");
  fs.writeFileSync(big, Buffer.alloc(3 << 20, "calf "));
  for (const args of [["create", "repo", "in"], ["put", "file", "in@master:/a.txt", "-f", "-"], ["put", "file", "in@master:/big.bin", "-f", big], ["run", "--once"]]) {
    const r = calf(args, { cwd: dir, input: "some text\n" });
    if (r.code !== 0) throw new Error(`fixture: calf ${args.join(" ")}: ${r.stderr}`);
  }
}, 60_000);
afterAll(async () => {
  removeDir(dir);
  await server.stop();
});

const s3 = (cwd: string, args: string[], env: Record<string, string> = {}) => calf(args, { cwd, env: { ...server.env, ...env } });
/** path -> bytes of every object file of a data dir. */
const objects = (dataDir: string) => Object.fromEntries(listFiles(path.join(dataDir, "objects")).map((f) => [f, fs.readFileSync(path.join(dataDir, "objects", f)).toString("base64")]));
const freshPrefix = () => `s3://${server.bucket}/store-${n++}`;

describe("calf store push / pull", () => {
  test("push to S3 then pull into a fresh data dir (its calf.db copied) gives the same objects byte for byte; a second push copies nothing", () => {
    const url = freshPrefix();
    const pushed = s3(dir, ["store", "push", url, "-o", "json"]);
    expect({ code: pushed.code, stderr: pushed.stderr }).toEqual({ code: 0, stderr: expect.stringContaining(`pushing 4 objects from file:${dir}/.calf to ${url}`) });
    const want = objects(path.join(dir, ".calf"));
    expect(Object.keys(want)).toHaveLength(4); // a.txt, big.bin and the two outputs
    expect(JSON.parse(pushed.stdout)).toEqual({
      from: `file:${dir}/.calf`, to: url, selection: "referenced", wanted: 4, copied: 4,
      copied_bytes: (3 << 20) + 10 + 10 + (3 << 20), skipped: 0, missing: [], corrupt: [],
    });

    const fresh = tempDir();
    try {
      fs.mkdirSync(path.join(fresh, ".calf"));
      for (const f of fs.readdirSync(path.join(dir, ".calf")).filter((f) => f.startsWith("calf.db"))) fs.copyFileSync(path.join(dir, ".calf", f), path.join(fresh, ".calf", f)); // -wal too
      const pulled = s3(fresh, ["store", "pull", url]);
      expect(pulled.code).toBe(0);
      expect(pulled.stdout).toContain("copied:        4 (6.0 MiB)\n");
      expect(objects(path.join(fresh, ".calf"))).toEqual(want);
      const got = calf(["get", "file", "up@master:/a.txt"], { cwd: fresh });
      expect(got).toEqual({ code: 0, stdout: "SOME TEXT\n", stderr: "" });
    } finally {
      removeDir(fresh);
    }

    const again = s3(dir, ["store", "push", url, "-o", "json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ wanted: 4, copied: 0, copied_bytes: 0, skipped: 4 });
  }, 60_000);

  test("pull --all into a folder with no data dir creates one holding every object the store lists", () => {
    const url = freshPrefix();
    expect(s3(dir, ["store", "push", url, "--all"]).code).toBe(0);
    const fresh = tempDir();
    try {
      const r = s3(fresh, ["store", "pull", url, "--all", "-o", "json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ selection: "all", wanted: 4, copied: 4 });
      expect(objects(path.join(fresh, ".calf"))).toEqual(objects(path.join(dir, ".calf")));
    } finally {
      removeDir(fresh);
    }
  }, 60_000);

  test("an S3 store as --store pushes to a file: store (the other direction)", () => {
    const url = freshPrefix();
    expect(s3(dir, ["store", "push", url]).code).toBe(0);
    const backup = tempDir();
    try {
      const r = s3(dir, ["--store", url, "store", "push", `file:${backup}`, "-o", "json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ from: url, to: `file:${backup}`, copied: 4 });
      expect(objects(backup)).toEqual(objects(path.join(dir, ".calf")));
    } finally {
      removeDir(backup);
    }
  }, 60_000);

  test("an object missing from the source and a corrupt one are named, not copied, and the push exits 1", () => {
    const copy = tempDir();
    try {
      fs.cpSync(path.join(dir, ".calf"), path.join(copy, ".calf"), { recursive: true });
      const files = listFiles(path.join(copy, ".calf/objects"));
      const [gone, bad] = [files[0]!, files[1]!];
      fs.rmSync(path.join(copy, ".calf/objects", gone));
      fs.chmodSync(path.join(copy, ".calf/objects", bad), 0o644);
      fs.writeFileSync(path.join(copy, ".calf/objects", bad), "tampered");
      const url = freshPrefix();
      const r = s3(copy, ["store", "push", url]);
      expect(r.code).toBe(1);
      const hash = (f: string) => f.replace("/", "");
      expect(r.stderr).toContain(`missing from file:${copy}/.calf: ${hash(gone)}\n`);
      expect(r.stderr).toContain(`corrupt in file:${copy}/.calf: ${hash(bad)}\n`);
      expect(r.stderr).toContain(`calf: store push: 2 objects could not be copied (1 missing from file:${copy}/.calf, 1 corrupt)\nhint: `);
      expect(r.stdout).toContain("copied:        2 (");
      // The corrupt object did not reach the destination.
      const list = s3(copy, ["--store", url, "store", "push", `file:${copy}/check`, "--all", "-o", "json"]);
      expect(JSON.parse(list.stdout)).toMatchObject({ wanted: 2, copied: 2 });
      expect(listFiles(path.join(copy, "check/objects")).map(hash).sort()).toEqual(files.slice(2).map(hash).sort());
    } finally {
      removeDir(copy);
    }
  }, 60_000);

  test.each([
    [["store", "push", "gs://x"], {}, 'calf: store "gs://x": unknown scheme "gs:"\n'],
    [["store", "push", "s3://bucket/x"], { AWS_ACCESS_KEY_ID: "" }, 'calf: store "s3://bucket/x": no S3 credentials: AWS_ACCESS_KEY_ID is not set\n'],
    [["store", "pull", "file:nowhere"], {}, `calf: store "file:nowhere": no objects folder at `],
    [["--store", "s3://Bad_Bucket", "list", "repo"], {}, 'calf: store "s3://Bad_Bucket": "Bad_Bucket" is not a valid bucket name\n'],
  ] as const)("calf %j: one error line with a hint, exit 2", (args, env, line) => {
    const r = s3(dir, [...args], env as Record<string, string>);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
    expect(r.stderr).toStartWith(line);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(2);
    expect(r.stderr).toContain("\nhint: ");
  });
});
