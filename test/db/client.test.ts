import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { CalfError } from "../../src/errors.ts";
import { openDb, type Db } from "../../src/db/client.ts";
import { migrations } from "../../src/db/migrations.ts";
import { datumsDepth, listDatums } from "../../src/db/queries/jobs.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const HOLDER = path.join(import.meta.dir, "../helpers/hold-write.ts");

let dir: string;
let url: string;
const open: Db[] = [];
const openTracked = async () => {
  const db = await openDb(url);
  open.push(db);
  return db;
};
beforeEach(() => {
  dir = tempDir();
  url = `file:${path.join(dir, "calf.db")}`;
});
afterEach(() => {
  for (const db of open.splice(0)) {
    try {
      db.close();
    } catch {
      // already closed by the test
    }
  }
  removeDir(dir);
});

const TABLES = ["branches", "commits", "cron_inputs", "datum_index", "datum_results", "index_heads", "job_datums", "jobs", "meta", "output_owners", "pipelines", "repos", "runner_lease", "spout_markers", "stat_cache", "stat_targets", "trees"];
const tables = async (db: Db) =>
  (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => r.name);
const userVersion = async (db: Db) => Number((await db.get<{ user_version: number }>("PRAGMA user_version"))!.user_version);
const metaRows = async (db: Db) => (await db.all<{ key: string; value: string }>("SELECT key, value FROM meta ORDER BY key")).map((r) => [r.key, r.value]);

describe("openDb()", () => {
  test("openDb() creates every table and records the schema version", async () => {
    const db = await openTracked();
    expect(await tables(db)).toEqual(TABLES);
    expect(await userVersion(db)).toBe(migrations.length);
  });

  test("openDb() of an existing database works again and keeps its rows (migrations are idempotent)", async () => {
    const first = await openTracked();
    await first.write((tx) => tx.run("INSERT INTO meta (key, value) VALUES ('k', 'v')"));
    first.close();
    const second = await openTracked();
    expect(await tables(second)).toEqual(TABLES);
    expect(await userVersion(second)).toBe(migrations.length);
    expect(await metaRows(second)).toEqual([["k", "v"]]);
  });

  test("Db.write() waits for another process's write transaction instead of failing at once", async () => {
    const db = await openTracked();
    const child = spawn(process.execPath, [HOLDER, url, "400"], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((r) => child.on("exit", r));
    await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("holding") && resolve()));
    await db.write((tx) => tx.run("INSERT INTO meta (key, value) VALUES ('parent', '1')"));
    expect(await exited).toBe(0);
    expect(await metaRows(db)).toEqual([["holder", "child"], ["parent", "1"]]);
  });

  test("openDb() of a migrated database works while another connection holds a write transaction", async () => {
    const writer = await openTracked();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    const w = writer.write(async (tx) => {
      await tx.run("INSERT INTO meta (key, value) VALUES ('pending', '1')");
      inside();
      await gate;
    });
    await started;
    try {
      const reader = await openTracked();
      expect(await metaRows(reader)).toEqual([]);
    } finally {
      release();
      await w;
    }
  });

  test("openDb() upgrades a schema-1 data dir: job datum lists stay readable, the owners blob and the old stat cache go", async () => {
    const { createClient } = await import("@libsql/client");
    const old = createClient({ url });
    for (const stmt of migrations[0]!.split(/;\s*\n/).map((x) => x.trim()).filter(Boolean)) await old.execute(stmt);
    await old.execute("PRAGMA user_version = 1");
    await old.execute({
      sql: "INSERT INTO jobs (id, seq, pipeline, state, started, input_commits, fingerprint, salt, version, total) VALUES ('j1', 1, 'p', 'success', 't', ?, 'f', 's', 1, 1)",
      args: [JSON.stringify([{ repo: "data", commit: "c1" }])],
    });
    const input = { name: "data", repo: "data", branch: "master", commit: "c1", path: "/a", hash: "h", type: "file" };
    await old.execute({
      sql: "INSERT INTO job_datums (job, body, owners) VALUES ('j1', ?, ?)",
      args: [JSON.stringify([["d1", 0, "dh", "success", [input], 5, 1, null]]), JSON.stringify({ key: "k", owners: { "/a": ["d1"] } })],
    });
    await old.execute("INSERT INTO stat_cache (root, body) VALUES ('/src', '{}')");
    old.close();

    const db = await openTracked();
    expect(await userVersion(db)).toBe(migrations.length);
    expect(await tables(db)).toEqual(TABLES);
    expect((await db.all<{ name: string }>("PRAGMA table_info(job_datums)")).map((c) => c.name).sort()).toEqual(["base", "body", "depth", "dropped", "job"]);
    expect(await listDatums(db, "j1")).toEqual([{ job: "j1", id: "d1", idx: 0, hash: "dh", state: "success", inputs: [input], durationMs: 5, tries: 1, reason: null }]);
    expect(await datumsDepth(db, "j1")).toBe(0);
    expect(await db.all("SELECT * FROM stat_cache")).toEqual([]); // a cache: dropped, rebuilt by the next put
  });

  test("Db.orm() is drizzle over the same database, typed by schema.ts", async () => {
    const db = await openTracked();
    await db.write((tx) => tx.run("INSERT INTO meta (key, value) VALUES ('k', 'v')"));
    const { meta } = await import("../../src/db/schema.ts");
    expect(await (await db.orm()).select().from(meta)).toEqual([{ key: "k", value: "v" }]);
    expect(await db.orm()).toBe(await db.orm());
  });

  test("openDb() puts a file database in WAL mode", async () => {
    const db = await openTracked();
    expect((await db.get<{ journal_mode: string }>("PRAGMA journal_mode"))!.journal_mode).toBe("wal");
  });

  test("openDb() of a libSQL server that does not answer fails with one line naming the URL and a hint, not an internal error", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r)); // nothing listens there now
    const err = await openDb(`http://127.0.0.1:${port}`).catch((e) => e);
    expect(err).toBeInstanceOf(CalfError);
    expect(err.message).toStartWith(`cannot use the database http://127.0.0.1:${port}: `);
    expect(err.hint).toBe("is the libSQL server running and reachable from here? check CALF_DB_URL and CALF_DB_AUTH_TOKEN");
  });

  test("openDb() refuses a database written by a newer calf, naming both versions", async () => {
    const db = await openTracked();
    await db.write((tx) => tx.run(`PRAGMA user_version = ${migrations.length + 5}`));
    db.close();
    const err = await openDb(url).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`database schema version ${migrations.length + 5} is newer than this calf (${migrations.length})`);
  });
});

describe("Db.write()", () => {
  test("write() commits and returns the function's value", async () => {
    const db = await openTracked();
    const n = await db.write(async (tx) => {
      await tx.run("INSERT INTO meta (key, value) VALUES (?, ?)", ["a", "1"]);
      await tx.run("INSERT INTO meta (key, value) VALUES (?, ?)", ["b", "2"]);
      return (await tx.all("SELECT * FROM meta")).length;
    });
    expect(n).toBe(2);
    expect(await metaRows(db)).toEqual([["a", "1"], ["b", "2"]]);
  });

  test("write() rolls back every row when the function throws, and rethrows that error", async () => {
    const db = await openTracked();
    await db.write((tx) => tx.run("INSERT INTO meta (key, value) VALUES ('keep', '1')"));
    const boom = new Error("boom after two inserts");
    const err = await db.write(async (tx) => {
      await tx.run("INSERT INTO meta (key, value) VALUES ('x', '1')");
      await tx.run("UPDATE meta SET value = 'changed' WHERE key = 'keep'");
      expect((await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM meta"))!.n).toBe(2); // visible inside
      throw boom;
    }).then(() => null, (e: unknown) => e);
    expect(err).toBe(boom);
    expect(await metaRows(db)).toEqual([["keep", "1"]]);
  });

  test("write() rolls back when a statement fails (constraint violation)", async () => {
    const db = await openTracked();
    await expect(db.write(async (tx) => {
      await tx.run("INSERT INTO meta (key, value) VALUES ('a', '1')");
      await tx.run("INSERT INTO meta (key, value) VALUES ('a', '2')");
    })).rejects.toThrow(/UNIQUE/);
    expect(await metaRows(db)).toEqual([]);
  });

  test("write() keeps working after a failed transaction", async () => {
    const db = await openTracked();
    await db.write(async () => {
      throw new Error("first fails");
    }).catch(() => undefined);
    await db.write((tx) => tx.run("INSERT INTO meta (key, value) VALUES ('after', '1')"));
    expect(await metaRows(db)).toEqual([["after", "1"]]);
  });

  test("write() runs transactions one at a time: concurrent read-modify-writes lose nothing", async () => {
    const db = await openTracked();
    await db.write((tx) => tx.run("INSERT INTO meta (key, value) VALUES ('n', '0')"));
    await Promise.all(Array.from({ length: 20 }, () => db.write(async (tx) => {
      const cur = Number((await tx.get<{ value: string }>("SELECT value FROM meta WHERE key = 'n'"))!.value);
      await new Promise((r) => setTimeout(r, 1));
      await tx.run("UPDATE meta SET value = ? WHERE key = 'n'", [String(cur + 1)]);
    })));
    expect(await metaRows(db)).toEqual([["n", "20"]]);
  });

  test("write() is not seen by readers before it commits", async () => {
    const db = await openTracked();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    const w = db.write(async (tx) => {
      await tx.run("INSERT INTO meta (key, value) VALUES ('pending', '1')");
      inside();
      await gate;
    });
    await started;
    expect(await metaRows(db)).toEqual([]);
    release();
    await w;
    expect(await metaRows(db)).toEqual([["pending", "1"]]);
  });
});
