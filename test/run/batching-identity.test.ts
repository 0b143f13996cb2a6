// Property: a batched pipeline's output commit is byte for byte the unbatched
// one's, for every input kind (pfs, cross, union, join with and without outer
// joins, group), over random repo contents. Both pipelines run the same script
// (it serves the protocol when $CALF_DATUMS is set) over the same inputs, and
// write every variable calf gives them and every file under /pfs.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import * as fs from "node:fs";
import * as path from "node:path";
import type { TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { bwrapWorks, counts, outputOf, runAll, usePipelineApps, withSandboxMode } from "../helpers/run.ts";

const { setup, closeAll } = usePipelineApps();

const VARS = ["a", "b", "a_COMMIT", "b_COMMIT", "PACH_DATUM_ID", "PACH_DATUM_a_JOIN_ON", "PACH_DATUM_b_JOIN_ON", "PACH_DATUM_a_GROUP_BY", "PACH_DATUM_b_GROUP_BY"];

/** Writes, per datum, its variables and its files into /pfs/out/<datum id> and appends the same to /pfs/out/all. */
const SCRIPT = `work() (
  out="$PFS_ROOT/out"
  for v in ${VARS.join(" ")}; do eval "val=\\\${$v-}"; printf '%s=%s\\n' "$v" "\${val#"$PFS_ROOT"}"; done > "$out/$PACH_DATUM_ID"
  cd "$PFS_ROOT" && find a b -type f 2>/dev/null | LC_ALL=C sort | while read -r f; do printf '%s: %s\\n' "$f" "$(cat "$f")"; done >> "$out/$PACH_DATUM_ID"
  cat "$out/$PACH_DATUM_ID" >> "$out/all"
)
if [ -n "\${CALF_DATUMS-}" ]; then
  exec 3<"$CALF_DATUMS" 4>"$CALF_ANSWERS"
  while read -r id vars <&3; do eval "export $vars"; if work; then echo ok >&4; else echo fail >&4; fi; done
else
  work
fi
`;

const KINDS = {
  pfs: `pfs: {repo: a, glob: "/*"}`,
  "pfs /**": `pfs: {repo: a, glob: "/**"}`,
  "pfs /": `pfs: {repo: a, glob: "/"}`,
  cross: `cross: [{pfs: {repo: a, glob: "/*"}}, {pfs: {repo: b, glob: "/*"}}]`,
  union: `union: [{pfs: {repo: a, glob: "/*"}}, {pfs: {repo: b, glob: "/*"}}]`,
  join: `join: [{pfs: {repo: a, glob: "/(k?)_*", join_on: "$1"}}, {pfs: {repo: b, glob: "/(k?)_*", join_on: "$1"}}]`,
  "outer join": `join: [{pfs: {repo: a, glob: "/(k?)_*", join_on: "$1", outer_join: true}}, {pfs: {repo: b, glob: "/(k?)_*", join_on: "$1", outer_join: true}}]`,
  group: `group: [{pfs: {repo: a, glob: "/(k?)_*", group_by: "$1"}}, {pfs: {repo: b, glob: "/(k?)_*", group_by: "$1"}}]`,
} as const;
type Kind = keyof typeof KINDS;

const spec = (name: string, kind: Kind, batching: boolean) => `pipeline: {name: ${name}}
transform:
  cmd: [sh, t.sh]
  deps: [t.sh]
input:
  ${KINDS[kind]}
parallelism_spec: {constant: 2}
datum_batching: ${batching}
`;

async function bothRuns(t: TestApp, kind: Kind, a: Record<string, string>, b: Record<string, string>, mode: string) {
  fs.writeFileSync(path.join(t.app.settings.pipelinesDir, "t.sh"), SCRIPT);
  t.spec("u", spec("u", kind, false));
  t.spec("bt", spec("bt", kind, true));
  for (const [repo, files] of [["a", a], ["b", b]] as const) {
    await t.app.repos.startCommit(repo, "master");
    for (const [p, text] of Object.entries(files)) await putText(t.app.repos, repo, `/${p}`, text);
    await t.app.repos.finishCommit(repo, "master");
  }
  const r = await withSandboxMode(mode, () => runAll(t));
  return { r, u: await outputOf(t, "u"), bt: await outputOf(t, "bt") };
}

const names = fc.constantFrom("k1_x", "k1_y", "k2_x", "k3_z", "k2_q r", "d/k1_w", "d/e/k3_v");
const files = fc.dictionary(names, fc.stringMatching(/^[a-z ]{0,6}$/), { minKeys: 1, maxKeys: 5 });

describe("datum_batching leaves the output unchanged", () => {
  test("a batched and an unbatched run of the same script write byte-identical commits, for every input kind", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(KINDS) as Kind[])), files, files, async (kind, a, b) => {
        try {
          const t = await setup({}, ["a", "b"]);
          const { r, u, bt } = await bothRuns(t, kind, a, b, "none");
          expect(r.jobs.map((j) => [j.pipeline, j.state])).toEqual([["bt", "success"], ["u", "success"]]);
          expect(bt).toEqual(u);
          expect(r.jobs[0]!.processed).toBe(r.jobs[1]!.processed);
        } finally {
          closeAll();
        }
      }),
      { numRuns: 24, seed: 1592, endOnFailure: true },
    );
  }, 120_000);

  test.skipIf(!bwrapWorks).each(Object.keys(KINDS) as Kind[])("in the bwrap sandbox too: %s", async (kind) => {
    const t = await setup({}, ["a", "b"]);
    const { r, u, bt } = await bothRuns(t, kind, { "k1_x": "1", "k2_x": "2", "d/k1_w": "w", "k2_q r": "q" }, { "k1_y": "y", "k3_z": "z" }, "bwrap");
    expect(r.jobs.map(counts)).toEqual([["success", r.jobs[0]!.processed, 0, 0], ["success", r.jobs[0]!.processed, 0, 0]]);
    expect(bt).toEqual(u);
    expect(Object.keys(u).length).toBeGreaterThan(0);
  }, 30_000);
});
