// Opens the metadata database (embedded libSQL by default), applies
// migrations, and offers the two ways in: reads on the pool, and `write()`,
// one BEGIN IMMEDIATE transaction at a time (drizzle's libSQL session ignores
// transaction behaviour, so writes go through the client's own transaction).
import type { Client, InArgs, Transaction } from "@libsql/client";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { CalfError } from "../errors.ts";
import { migrations } from "./migrations.ts";
import type * as schema from "./schema.ts";

export type Row = Record<string, unknown>;

/** The statements a write transaction may run. */
export interface Tx {
  run(sql: string, args?: InArgs): Promise<void>;
  all<T = Row>(sql: string, args?: InArgs): Promise<T[]>;
  get<T = Row>(sql: string, args?: InArgs): Promise<T | undefined>;
}

export class Db {
  /** Called after each committed write transaction (a data command wakes the runner: run/wake.ts). */
  afterWrite: (() => void) | null = null;
  #client: Client;
  #orm: LibSQLDatabase<typeof schema> | null = null;
  #writeQueue: Promise<unknown> = Promise.resolve();

  constructor(client: Client) {
    this.#client = client;
  }

  /**
   * The drizzle view of the database (typed by schema.ts), loaded on first
   * use: the queries are plain SQL, and loading drizzle and the schema costs
   * every command start-up ~10 ms.
   */
  async orm(): Promise<LibSQLDatabase<typeof schema>> {
    if (!this.#orm) {
      const [{ drizzle }, s] = await Promise.all([import("drizzle-orm/libsql"), import("./schema.ts")]);
      this.#orm = drizzle(this.#client, { schema: s });
    }
    return this.#orm;
  }

  async all<T = Row>(sql: string, args: InArgs = []): Promise<T[]> {
    const rs = await this.#client.execute({ sql, args });
    return rs.rows as unknown as T[];
  }

  async get<T = Row>(sql: string, args: InArgs = []): Promise<T | undefined> {
    return (await this.all<T>(sql, args))[0];
  }

  /** Runs `fn` inside one BEGIN IMMEDIATE transaction; writes in this process are serialised. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const next = this.#writeQueue.then(() => this.#transact(fn));
    this.#writeQueue = next.catch(() => undefined);
    return next;
  }

  async #transact<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const t: Transaction = await this.#client.transaction("write");
    const tx: Tx = {
      run: async (sql, args = []) => void (await t.execute({ sql, args })),
      all: async (sql, args = []) => (await t.execute({ sql, args })).rows as any,
      get: async (sql, args = []) => (await t.execute({ sql, args })).rows[0] as any,
    };
    try {
      const out = await fn(tx);
      await t.commit();
      this.afterWrite?.();
      return out;
    } catch (err) {
      try {
        await t.rollback();
      } catch {
        // the transaction is already gone; the original error matters
      }
      throw err;
    } finally {
      t.close();
    }
  }

  close(): void {
    this.#client.close();
  }
}

/** Opens `url` (file:, libsql:, http(s):) and brings its schema up to date. */
export async function openDb(url: string, opts: { authToken?: string } = {}): Promise<Db> {
  // Loaded on first use: commands that never open the database (--version,
  // usage errors) do not pay for loading libSQL's native driver.
  let libsql: typeof import("@libsql/client");
  try {
    libsql = await import("@libsql/client");
  } catch (err) {
    throw new CalfError("failed", `cannot load the libSQL database driver: ${(err as Error).message.split("\n")[0]}`, {
      hint: "the calf binary unpacks its driver into $TMPDIR (default /tmp): point TMPDIR at a writable folder that allows executables",
      cause: err,
    });
  }
  const client = libsql.createClient({ url, authToken: opts.authToken, concurrency: 4, timeout: 15_000 } as Parameters<typeof libsql.createClient>[0]);
  if (url.startsWith("file:")) {
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("PRAGMA synchronous = FULL");
  }
  const db = new Db(client);
  try {
    await migrate(db);
  } catch (err) {
    if (url.startsWith("file:") || err instanceof CalfError) throw err;
    // A libSQL server that is down, unreachable or refusing the token: one line, not an internal error.
    client.close();
    throw new CalfError("failed", `cannot use the database ${url.replace(/\/\/[^/@]*@/, "//")}: ${(err as Error).message.split("\n")[0]}`, {
      hint: "is the libSQL server running and reachable from here? check CALF_DB_URL and CALF_DB_AUTH_TOKEN",
      cause: err,
    });
  }
  return db;
}

async function migrate(db: Db): Promise<void> {
  const row = await db.get<{ user_version: number }>("PRAGMA user_version");
  const have = Number(row?.user_version ?? 0);
  if (have > migrations.length) {
    throw new Error(`database schema version ${have} is newer than this calf (${migrations.length})`);
  }
  if (have === migrations.length) return;
  await db.write(async (tx) => {
    const again = Number((await tx.get<{ user_version: number }>("PRAGMA user_version"))?.user_version ?? 0);
    for (let v = again; v < migrations.length; v++) {
      for (const stmt of splitSql(migrations[v]!)) await tx.run(stmt);
    }
    await tx.run(`PRAGMA user_version = ${migrations.length}`);
  });
}

function splitSql(sql: string): string[] {
  return sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean);
}
