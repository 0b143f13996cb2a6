// Pachyderm's own example specs (test/spec/fixtures/pachyderm/, see its README for
// the source commits) through loadFolder(), as `calf lint` reads them: each folder
// lints clean with a notice per ignored Kubernetes-only field, or fails only with
// "not supported by calf" for fields that would change results.

import { describe, expect, test } from "bun:test";
import { join, relative } from "node:path";
import { loadFolder } from "../../src/spec/load.ts";

const ROOT = join(import.meta.dir, "fixtures", "pachyderm");
const NS = "not supported by calf";

/** [folder, repos created first, pipelines that lint, issues as file:line:col: path: message-or-NS, notices as file:line:col: path] */
type Row = [string, string[], string[], string[], string[]];

const ROWS: Row[] = [
  // --- Pachyderm 1.9.12 ---
  ["v1.9.12/opencv", ["images"], ["edges", "montage"], [], ["edges.json:14:14: transform.image", "montage.json:22:14: transform.image"]],
  ["v1.9.12/joins", ["parameters", "readings"], ["joins"], [], ["joins.json:28:14: transform.image"]],
  ["v1.9.12/word_count", ["urls"], ["map", "reduce", "scraper"], [], ["map.json:7:14: transform.image"]],
  ["v1.9.12/scraper", ["urls"], ["scraper"], [], []], // a cross with a cron input, acceptReturnCode in camelCase
  ["v1.9.12/shuffle", ["fruits", "pricing"], ["shuffle"], [], ["shuffle.json:25:14: transform.image"]],
  ["v1.9.12/deferred_processing", ["images_dp_1", "images_dp_2"], ["edges_dp", "montage_dp"], [],
    ["edges_dp.json:15:18: transform.image", "montage_dp.json:21:14: transform.image"]],
  ["v1.9.12/ml/gpt-2", ["queries"], ["generate", "train", "tweets"], [], [
    "generate.json:7:18: transform.image", "generate.json:16:24: resource_limits", "generate.json:24:26: resource_requests", "generate.json:28:16: standby",
    "train.json:7:18: transform.image", "train.json:16:24: resource_limits", "train.json:24:26: resource_requests", "train.json:28:16: standby",
    "tweets.json:7:18: transform.image",
  ]],
  // two specs in one file, as `pachctl create pipeline -f` takes them
  ["v1.9.12/ml/tensorflow", ["input_images", "model"], ["preprocess_images", "generate_images"], [],
    ["pre-processing_and_generation.json:7:14: transform.image", "pre-processing_and_generation.json:25:14: transform.image"]],
  ["v1.9.12/spouts/SQS-S3", [], ["sqs-spout"], [], ["sqs-spout.json:11:19: transform.image"]],
  ["v1.9.12/db", [], [], [`query.json:17:16: transform.secrets: ${NS}`], ["query.json:7:14: transform.image"]],
  // broken in Pachyderm too: no glob
  ["v1.9.12/redshift", ["data"], [], [
    "pipeline.json:6:14: input.pfs.glob: missing (required)",
    `pipeline.json:25:20: transform.secrets: ${NS}`,
  ], ["pipeline.json:11:18: transform.image"]],
  // --- Pachyderm master (2.x) ---
  ["master/opencv", ["images"], ["edges", "montage"], [], ["edges.pipeline.json:14:14: transform.image", "montage.pipeline.json:21:14: transform.image"]],
  ["master/opencv-union", ["images"], [], [`edges-union.pipeline.json:18:22: input.union[1].pfs.project: ${NS}`], ["edges-union.pipeline.json:28:14: transform.image"]],
  ["master/group/pipelines/lab", ["labresults"], ["group_by_hospital", "group_by_patient", "reduce_group_by_hospital", "reduce_group_by_patient"], [], []],
  ["master/group/pipelines/retail", ["purchases", "returns", "stores"], ["group_store_revenue"], [], ["retail_group.pipeline.json:36:14: transform.image"]],
  ["master/joins/pipelines/inner", ["purchases", "stores"], ["inner_join", "reduce_inner"], [], ["inner_join.pipeline.json:28:14: transform.image"]],
  ["master/joins/pipelines/outer", ["returns", "stores"], ["outer_join", "reduce_outer"], [], ["outer_join.pipeline.json:30:14: transform.image"]],
  ["master/shuffle", ["fruits", "pricing"], ["shuffle"], [], ["shuffle.pipeline.json:25:14: transform.image"]],
  ["master/spouts/spout101/pipelines", [], ["processor", "spout"], [], ["processor.pipeline.json:15:14: transform.image", "spout.pipeline.json:10:14: transform.image"]],
  ["master/deferred-processing/automated_deferred_processing", [], ["branch-mover"], [], ["branch-mover-no-auth.pipeline.json:18:14: transform.image"]],
  ["master/ml/gpt-2", ["tweets"], ["train"], [], [
    "train.pipeline.json:7:14: transform.image", "train.pipeline.json:16:21: resource_limits",
    "train.pipeline.json:24:23: resource_requests", "train.pipeline.json:28:18: autoscaling",
  ]],
  ["master/churn", ["customer"], [], [`churn.pipeline.json:24:13: egress: ${NS}`],
    ["churn.pipeline.json:7:14: transform.image", "churn.pipeline.json:16:21: resource_limits", "churn.pipeline.json:20:23: resource_requests"]],
  ["master/kubeflow/mnist", ["input-repo"], [], [`pipeline.yaml:6:9: s3_out: ${NS}`, `pipeline.yaml:12:9: input.pfs.s3: ${NS}`], ["pipeline.yaml:4:10: transform.image"]],
];

describe("loadFolder() lints Pachyderm's example specs", () => {
  test.each(ROWS)("loadFolder() lints %s (repos %p): pipelines %p, issues %p, notices %p", async (dir, repos, pipelines, issues, notices) => {
    const folder = join(ROOT, dir);
    const r = await loadFolder(folder, { existingRepos: repos });
    const where = (i: { file: string; line: number; col: number; path: string }) => `${relative(folder, i.file)}:${i.line}:${i.col}: ${i.path}`;
    expect(r.specs.map((s) => s.name)).toEqual(pipelines);
    expect(r.issues.map((i) => `${where(i)}: ${i.message.startsWith(`${NS}: `) ? NS : i.message}`)).toEqual(issues);
    expect(r.notices.map((n) => n.slice(folder.length + 1).split(": ").slice(0, 2).join(": "))).toEqual(notices);
  });

  test("every not-supported issue says why and what to do instead", async () => {
    for (const [dir, repos] of ROWS) {
      const r = await loadFolder(join(ROOT, dir), { existingRepos: repos });
      for (const i of r.issues.filter((x) => x.message.startsWith(NS))) expect(i.message).toMatch(/^not supported by calf: .+, because .+, instead .+$/);
    }
  });
});
