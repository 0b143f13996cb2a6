// fireDueTicks(): missed ticks are bounded by catch_up (default 100, the
// newest ones), and a log line names what was skipped.
import { afterEach, describe, expect, test } from "bun:test";
import { DEFAULT_CATCH_UP, fireDueTicks, registerCronInputs } from "../../src/run/ticks.ts";
import { syncPipelines } from "../../src/run/sync.ts";
import { openTestApp, quietOut, type TestApp } from "../helpers/app.ts";

const open: TestApp[] = [];
afterEach(() => open.splice(0).forEach((t) => t.close()));

async function ticked(cron: string, now: Date) {
  const t = await openTestApp();
  open.push(t);
  const out = quietOut();
  (t.app as { out: unknown }).out = out;
  t.spec("tick", `pipeline: {name: tick}\ntransform: {cmd: [sh, -c, "true"]}\ninput: {cron: ${cron}}\n`);
  const specs = await syncPipelines(t.app);
  await registerCronInputs(t.app, specs);
  const n = (await fireDueTicks(t.app, specs[0]!, now)).length;
  const head = await t.app.repos.branchHead("tick_t", "master");
  const files = head ? (await t.app.repos.listDir(head, "/", false)).map((e) => e.path) : [];
  return { n, files, infos: out.infos };
}

describe("fireDueTicks() catch-up", () => {
  test(`fireDueTicks() after a start 10 hours back at @every 1m makes only the newest ${DEFAULT_CATCH_UP} ticks and says what it skipped`, async () => {
    const r = await ticked(`{name: t, spec: "@every 1m", start: "2026-01-01T00:00:00Z"}`, new Date("2026-01-01T10:00:30Z"));
    expect(r.n).toBe(DEFAULT_CATCH_UP);
    expect(r.files.length).toBe(DEFAULT_CATCH_UP);
    expect(r.files[0]).toBe("/2026-01-01T08:21:00Z");
    expect(r.files.at(-1)).toBe("/2026-01-01T10:00:00Z");
    expect(r.infos).toEqual([
      `calf: cron input "t" of tick: skipped 500 missed ticks from 2026-01-01T00:01:00Z to 2026-01-01T08:20:00Z; making the newest 100 (catch_up: 100)`,
    ]);
  });

  test("fireDueTicks() with catch_up: 3 makes 3 ticks; within the bound it says nothing", async () => {
    const bounded = await ticked(`{name: t, spec: "@hourly", start: "2026-01-01T00:00:00Z", catch_up: 3}`, new Date("2026-01-02T00:00:00Z"));
    expect(bounded.files).toEqual(["/2026-01-01T22:00:00Z", "/2026-01-01T23:00:00Z", "/2026-01-02T00:00:00Z"]);
    expect(bounded.infos).toEqual([`calf: cron input "t" of tick: skipped 21 missed ticks from 2026-01-01T01:00:00Z to 2026-01-01T21:00:00Z; making the newest 3 (catch_up: 3)`]);
    const within = await ticked(`{name: t, spec: "@hourly", start: "2026-01-01T00:00:00Z", catch_up: 30}`, new Date("2026-01-02T00:00:00Z"));
    expect(within.files.length).toBe(24);
    expect(within.infos).toEqual([]);
  });
});
