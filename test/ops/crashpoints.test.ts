// The crash-point suite: calf (a subprocess, from source) SIGKILLs itself at
// the N-th hit of a named point (CALF_CRASH_AT=point:N, src/crash.ts), for
// every point and every N until the command gets past it. After each crash:
// the data dir is before-or-after, never half (per scenario), fsck finds no
// problem; then the same command, run again, ends exactly as a run that never
// crashed, and fsck is still clean.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { openApp, resolveSettings, type App } from "../../src/app.ts";
import { CRASH_POINTS, type CrashPointName } from "../../src/crash.ts";
import { fsck } from "../../src/ops/fsck.ts";
import { loadMarker } from "../../src/spout/marker.ts";
import { quietOut, rt, testHost } from "../helpers/app.ts";
import { MAIN } from "../helpers/cli.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const HOUR = 3_600_000;

/** A data dir's visible state: each repo's head (path -> hash), each spout's marker, and the stored objects. */
interface State {
  repos: Record<string, [string, string][]>;
  markers: Record<string, [string, string][]>;
  objects: string[];
}

interface Scenario {
  name: string;
  points: CrashPointName[];
  /** Files of the folder (pipelines/*, sources), relative to it. */
  files: Record<string, string>;
  /** calf commands that build the state the crashing command starts from. */
  setup: string[][];
  /** The command that is crashed, then run again. */
  act: string[];
  /** Why a state right after a crash is half of something (null when it is whole). */
  half(s: State, before: State, after: State): string | null;
}

/** Each repo's head is the one before or the one after the command: nothing in between. */
const headsBeforeOrAfter = (s: State, before: State, after: State): string | null => {
  for (const repo of Object.keys({ ...before.repos, ...after.repos, ...s.repos })) {
    const got = JSON.stringify(s.repos[repo] ?? null);
    if (got !== JSON.stringify(before.repos[repo] ?? null) && got !== JSON.stringify(after.repos[repo] ?? null)) return `repo ${repo} is neither before nor after: ${got}`;
  }
  return null;
};

const SEQ_SPOUT = [
  'n=$(cat "$PFS_ROOT/offset" 2>/dev/null || echo 0)',
  'cd "$(mktemp -d -p "$PWD")"; mkdir n; exec 3>"$PFS_ROOT/out"',
  "while [ $n -lt 3 ]; do n=$((n+1)); echo $n > n/$n; echo $n > offset; tar -cf - n/$n offset >&3; done",
].join("\n");

const SCENARIOS: Scenario[] = [
  {
    name: "put file -r",
    points: ["object.written", "object.stored", "commit.tx"],
    files: { "src/a": "alpha\n", "src/sub/b": "beta\n", "src/sub/c": "gamma\n", "old": "old\n" },
    setup: [["create", "repo", "r"], ["put", "file", "r@master:/old", "-f", "old"]],
    act: ["put", "file", "r@master:/dir", "-f", "src", "-r", "--overwrite"],
    half: headsBeforeOrAfter,
  },
  {
    name: "run --once (a two-stage DAG)",
    points: ["object.written", "object.stored", "datum.recorded", "merge.file", "commit.tx"],
    files: {
      "pipelines/up.yaml": [
        "pipeline: {name: up}",
        "transform: {cmd: [sh, -c, 'tr a-z A-Z < \"$in\" > /pfs/out/$(basename \"$in\"); basename \"$in\" >> /pfs/out/index']}",
        "input: {pfs: {repo: in, glob: \"/*\"}}",
        "parallelism_spec: {constant: 1}",
        "---",
        "pipeline: {name: all}",
        "transform: {cmd: [sh, -c, 'cat /pfs/up/* > /pfs/out/all']}",
        "input: {pfs: {repo: up, glob: \"/\"}}",
      ].join("\n"),
      a: "one\n", b: "two\n", c: "three\n",
    },
    setup: [["create", "repo", "in"], ...["a", "b", "c"].map((f) => ["put", "file", `in@master:/${f}`, "-f", f])],
    act: ["run", "--once"],
    half: headsBeforeOrAfter,
  },
  {
    name: "run --once (a spout with a marker)",
    points: ["spout.entry", "object.written", "object.stored", "commit.tx", "spout.marker", "spout.committed"],
    files: { "pipelines/seq.yaml": "pipeline: {name: seq}\ntransform: {cmd: [sh, seq.sh]}\nspout: {marker: offset}\n", "pipelines/seq.sh": SEQ_SPOUT },
    setup: [["lint"]],
    act: ["run", "--once"],
    half(s) {
      // Archives are whole and the marker is the last committed one: /n/1..k and offset k.
      const files = (s.repos.seq ?? []).map(([p]) => p);
      const k = files.length;
      const want = Array.from({ length: k }, (_, i) => `/n/${i + 1}`);
      if (JSON.stringify(files) !== JSON.stringify(want)) return `seq holds ${JSON.stringify(files)}`;
      const marker = s.markers.seq ?? [];
      if (k === 0 ? marker.length !== 0 : marker.length !== 1) return `seq has ${k} archives and marker ${JSON.stringify(marker)}`;
      return null;
    },
  },
  {
    name: "gc",
    points: ["gc.trashed"],
    files: { keep: "kept\n", x: "dropped x\n", y: "dropped y\n" },
    // Two objects nothing references any more (their commits stay, but delete repo takes those).
    setup: [["create", "repo", "r"], ["put", "file", "r@master:/keep", "-f", "keep"], ["create", "repo", "s"],
      ["put", "file", "s@master:/x", "-f", "x"], ["put", "file", "s@master:/y", "-f", "y"], ["delete", "repo", "s"]],
    act: ["gc", "--grace", "0s"],
    half(s, before) {
      // Nothing anything references may go: the repo is as it was.
      return JSON.stringify(s.repos) === JSON.stringify(before.repos) ? null : "gc changed a repo";
    },
  },
];

const root = tempDir("calf-crash-");
/** Crashes per scenario and point, printed at the end (README "Guarantees" quotes them). */
const crashes: string[] = [];
afterAll(() => {
  removeDir(root);
  console.log(`crash points: ${crashes.length ? crashes.join(", ") : "none run"}`);
});

function calfIn(cwd: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    cwd, encoding: "utf8", timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: root, TMPDIR: process.env.TMPDIR ?? "/tmp", CALF_SANDBOX: "none", ...env },
  });
}

async function withApp<T>(cwd: string, fn: (app: App) => Promise<T>): Promise<T> {
  const settings = resolveSettings({ dataDir: path.join(cwd, ".calf"), pipelines: path.join(cwd, "pipelines") }, {}, cwd);
  const app = await openApp(await rt(), settings, quietOut(), testHost(cwd), { write: false });
  try {
    return await fn(app);
  } finally {
    app.close();
  }
}

async function stateOf(cwd: string): Promise<State> {
  if (!fs.existsSync(path.join(cwd, ".calf"))) return { repos: {}, markers: {}, objects: [] }; // no data dir yet: nothing stored
  return withApp(cwd, async (app) => {
    const s: State = { repos: {}, markers: {}, objects: [] };
    for (const repo of await app.repos.repoNames()) {
      const head = await app.repos.branchHead(repo, "master");
      if (head) s.repos[repo] = (await app.repos.listAll(head)).filter((e) => e.type === "file").map((e) => [e.path, e.hash]); // no commit: as if absent
      const m = await loadMarker(app.db, repo);
      if (m) s.markers[repo] = (await app.repos.listAll({ tree: m.root, sizeBytes: m.size })).filter((e) => e.type === "file").map((e) => [e.path, e.hash]);
    }
    for await (const o of app.store.list()) s.objects.push(o.hash);
    return s;
  });
}

const problems = (cwd: string) => withApp(cwd, async (app) => (await fsck(app, { verify: true, graceMs: HOUR, now: () => Date.now() })).problems.map((p) => p.message));

/** What a crash-free run ends with: repos and markers (objects too for gc, whose work is objects). */
const visible = (s: State, sc: Scenario) => (sc.name === "gc" ? s : { repos: s.repos, markers: s.markers });

test("every crash point is exercised by a scenario below", () => {
  expect([...new Set(SCENARIOS.flatMap((s) => s.points))].sort()).toEqual([...CRASH_POINTS].sort());
});

describe.each(SCENARIOS)("crash points of $name", (sc) => {
  const template = path.join(root, sc.name.replace(/\W+/g, "-"));
  let before: State;
  let after: State;
  beforeAll(async () => {
    fs.mkdirSync(path.join(template, "pipelines"), { recursive: true });
    for (const [rel, text] of Object.entries(sc.files)) {
      fs.mkdirSync(path.dirname(path.join(template, rel)), { recursive: true });
      fs.writeFileSync(path.join(template, rel), text);
    }
    for (const args of sc.setup) {
      const r = calfIn(template, args);
      if (r.status !== 0) throw new Error(`setup: calf ${args.join(" ")}: ${r.stderr}`);
    }
    before = await stateOf(template);
    const ref = path.join(root, `${path.basename(template)}-ref`);
    fs.cpSync(template, ref, { recursive: true });
    const r = calfIn(ref, sc.act);
    if (r.status !== 0) throw new Error(`reference: calf ${sc.act.join(" ")}: ${r.stderr}`);
    after = await stateOf(ref);
  });

  test.each(sc.points)("a SIGKILL at every hit of %s leaves it before-or-after, fsck clean, and a rerun equal to a crash-free run", async (point) => {
    let n = 1;
    for (; n <= 30; n++) {
      const dir = path.join(root, `${path.basename(template)}-${point}-${n}`);
      fs.cpSync(template, dir, { recursive: true });
      const crashed = calfIn(dir, sc.act, { CALF_CRASH_AT: `${point}:${n}` });
      if (crashed.signal !== "SIGKILL") {
        // Fewer than n hits: the command ran to its end like a crash-free one.
        expect({ point, n, status: crashed.status, stderr: crashed.status === 0 ? "" : crashed.stderr }).toEqual({ point, n, status: 0, stderr: "" });
        expect(visible(await stateOf(dir), sc)).toEqual(visible(after, sc));
        removeDir(dir);
        break;
      }
      const s = await stateOf(dir);
      expect({ point, n, half: sc.half(s, before, after) }).toEqual({ point, n, half: null });
      expect({ point, n, problems: await problems(dir) }).toEqual({ point, n, problems: [] });
      const again = calfIn(dir, sc.act);
      expect({ point, n, status: again.status, stderr: again.status === 0 ? "" : again.stderr }).toEqual({ point, n, status: 0, stderr: "" });
      expect({ point, n, state: visible(await stateOf(dir), sc) }).toEqual({ point, n, state: visible(after, sc) });
      expect({ point, n, problems: await problems(dir) }).toEqual({ point, n, problems: [] });
      removeDir(dir);
    }
    expect(n).toBeGreaterThan(1); // the point was hit at least once
    crashes.push(`${sc.name} ${point} x${n - 1}`);
  }, 120_000);
});
