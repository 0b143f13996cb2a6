import { describe, expect, test } from "bun:test";
import * as path from "node:path";
import type { Parsed } from "../../src/cli/args.ts";
import { dataCommand } from "../helpers/cli.ts";
import { CalfError } from "../../src/errors.ts";
import { deleteFile, putFile } from "../../src/repo/files.ts";
import { quietOut, type TestApp } from "../helpers/app.ts";
import { writeFiles } from "../helpers/tmp.ts";
import { putText } from "../helpers/repo.ts";
import { runAll, usePipelineApps, useSandboxMode } from "../helpers/run.ts";

useSandboxMode("none");
const apps = usePipelineApps();

const UP = (name: string, repo = "data") =>
  `pipeline: {name: ${name}}\ntransform: {cmd: [sh, -c, 'tr a-z A-Z < "$${repo}" > "/pfs/out/\${${repo}##*/}"']}\ninput: {pfs: {repo: ${repo}, glob: "/*"}}\n`;

/** Runs `calf plan ARGS` on the app; returns what it printed (JSON mode with `json`). */
async function plan(t: TestApp, args: string[], json = true): Promise<string> {
  const out = { ...quietOut(), json };
  (t.app as { out: unknown }).out = out;
  const cmd = dataCommand("plan");
  const parsed: Parsed = { command: null, args, flags: {} };
  expect(await cmd.run(t.app, parsed)).toBe(0);
  return out.written.join("");
}

/** data holds /a, /b, /c; `up` has run once over them; then /b is changed, /c deleted and /d added. */
async function changedSince(): Promise<TestApp> {
  const t = await apps.setup({ up: UP("up") });
  for (const f of ["a", "b", "c"]) await putText(t.app.repos, "data", `/${f}`, `${f}\n`);
  await runAll(t);
  await putText(t.app.repos, "data", "/b", "bee\n", { overwrite: true });
  await deleteFile(t.app.repos, "data", "master", "/c");
  await putText(t.app.repos, "data", "/d", "d\n");
  return t;
}

describe("calf plan -o json", () => {
  test("plan prints per pipeline the counts and each datum's action and reason (SPEC §2.3 shape)", async () => {
    const t = await changedSince();
    const printed = JSON.parse(await plan(t, ["up"]));
    const items = printed[0].items.map((i: { id: string; action: string; reason: string; paths: string[] }) => {
      expect(i.id).toMatch(/^[0-9a-f]{64}$/);
      return [i.paths, i.action, i.reason];
    });
    expect(printed.length).toBe(1);
    expect(printed[0].pipeline).toBe("up");
    expect(printed[0].datums).toEqual({ total: 3, process: 2, skip: 1, remove: 1 });
    expect(items).toEqual([
      [["/a"], "skip", "unchanged"],
      [["/b"], "process", "changed"],
      [["/d"], "process", "new"],
      [["/c"], "remove", "removed"],
    ]);
  });

  test("plan with no names prints every pipeline but spouts, in one JSON array", async () => {
    const t = await apps.setup({ up: UP("up"), more: UP("more"), feed: "pipeline: {name: feed}\nspout: {}\ntransform: {cmd: [sh, -c, 'true']}\n" });
    // 2500 datums: the items are written a thousand at a time.
    const src = path.join(t.dir, "src");
    writeFiles(src, Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`f${i}`, `${i}\n`])));
    await putFile(t.app.repos, "data", "master", "/", src, { recursive: true, overwrite: false });
    const printed = JSON.parse(await plan(t, []));
    expect(printed.map((p: { pipeline: string }) => p.pipeline).sort()).toEqual(["more", "up"]);
    for (const p of printed) {
      expect(p.datums).toEqual({ total: 2500, process: 2500, skip: 0, remove: 0 });
      expect(p.items.length).toBe(2500);
      expect(new Set(p.items.map((i: { paths: string[] }) => i.paths[0])).size).toBe(2500);
    }
  });

  test("plan of a repo with no commit prints an empty item list", async () => {
    const t = await apps.setup({ up: UP("up") });
    expect(JSON.parse(await plan(t, ["up"]))).toEqual([{ pipeline: "up", datums: { total: 0, process: 0, skip: 0, remove: 0 }, waits_for: [], items: [] }]);
  });

  test("plan of an unknown pipeline throws a not_found CalfError with a hint, before printing anything", async () => {
    const t = await apps.setup({ up: UP("up") });
    const out = { ...quietOut(), json: true };
    (t.app as { out: unknown }).out = out;
    const cmd = dataCommand("plan");
    const err = await cmd.run(t.app, { command: null, args: ["up", "uq"], flags: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(CalfError);
    expect(err.code).toBe("not_found");
    expect(err.message).toBe(`pipeline "uq" does not exist`);
    expect(err.hint).toBe(`did you mean "up"?`);
    expect(out.written).toEqual([]);
  });
});

describe("calf plan (text)", () => {
  test("plan prints a summary line per pipeline and a table of what is not skipped", async () => {
    const t = await changedSince();
    const lines = (await plan(t, ["up"], false)).trimEnd().split("\n");
    expect(lines[0]).toBe("up: 2 to process, 1 to skip, 1 to remove");
    expect(lines[1]).toMatch(/^DATUM\s+ACTION\s+REASON\s+PATHS$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(1))).toEqual([
      ["process", "changed", "/b"],
      ["process", "new", "/d"],
      ["remove", "removed", "/c"],
    ]);
  });
});
