import { afterAll, describe, expect, test } from "bun:test";
import * as path from "node:path";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { openDb } from "../../src/db/client.ts";
import * as schema from "../../src/db/schema.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const dir = tempDir();
afterAll(() => removeDir(dir));

const tables = (Object.values(schema) as unknown[]).filter((t): t is SQLiteTable => t instanceof SQLiteTable);

describe("schema.ts", () => {
  test("schema.ts declares every table the migrations create, with the same columns", async () => {
    const db = await openDb(`file:${path.join(dir, "calf.db")}`);
    try {
      const created = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => r.name);
      expect(tables.map((t) => getTableConfig(t).name).sort()).toEqual(created);
      for (const t of tables) {
        const cfg = getTableConfig(t);
        const inDb = (await db.all<{ name: string }>(`PRAGMA table_info(${cfg.name})`)).map((c) => c.name).sort();
        expect([cfg.name, cfg.columns.map((c) => c.name).sort()]).toEqual([cfg.name, inDb]);
      }
    } finally {
      db.close();
    }
  });
});
