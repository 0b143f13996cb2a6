// Test helper, run as a second process: `bun hold-write.ts DB_URL MS` opens the
// database, holds one write transaction for MS milliseconds (printing
// "holding" once it has the lock), commits and exits.
import { openDb } from "../../src/db/client.ts";

const [url, ms] = process.argv.slice(2);
const db = await openDb(url!);
await db.write(async (tx) => {
  await tx.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('holder', 'child')");
  process.stdout.write("holding\n");
  await new Promise((r) => setTimeout(r, Number(ms)));
});
db.close();
