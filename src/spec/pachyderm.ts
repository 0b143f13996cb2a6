// Pachyderm spec fields calf does not run (SPEC §3): those that only shape
// Kubernetes scheduling are accepted with a notice each, those whose absence
// would change results are "not supported by calf"; at protobuf's unset value
// (false, "", 0, null, {}, []) either passes silently. Pure; no I/O.

import { isMap, isScalar, isSeq, type Node } from "yaml";
import type { Field, Reader } from "./_read.ts";

/** What calf does with a Pachyderm-only field. */
export type Foreign =
  | { ignored: string } // accepted with a notice; the text says why it does not matter here
  | {
    unsupported: string; // what the field does
    because: string;
    instead: string;
    /** A value that is fine after all: a notice's reason, or "" to pass silently. */
    accept?: (node: Node | null) => string | undefined;
  };

const RESOURCES = { ignored: "Kubernetes resource requests and limits; transforms run on this machine" };
const POD = { ignored: "Kubernetes pod settings; transforms run on this machine" };
const WORKERS = { ignored: "calf starts transforms only while a job runs, on this machine" };
const CONTAINER = { ignored: "container settings; transforms run on the host" };
const REQUEST_FLAG = { ignored: "a flag of the create-pipeline request; calf applies the pipelines folder as it is (calf run --reprocess redoes every datum)" };

/** Only the default project: calf has one namespace of repos. */
const defaultProject = (node: Node | null): string | undefined => {
  const name = isMap(node) ? (node.get("name") as unknown) : isScalar(node) ? node.value : undefined;
  return name === "default" ? "calf has one namespace of repos, Pachyderm's default project" : undefined;
};
const PROJECT: Foreign = {
  unsupported: "a project other than \"default\" is a separate namespace of repos and pipelines",
  because: "calf has one namespace of repos",
  instead: "leave project out (repo and pipeline names must then be unique in the folder)",
  accept: defaultProject,
};
const SERVICE: Foreign = {
  unsupported: "service runs a long-lived server behind a Kubernetes service port",
  because: "calf runs batch transforms and spouts only",
  instead: "run the server outside calf, reading the output repo with calf get file",
};

export const TOP_FOREIGN: Record<string, Foreign> = {
  resource_requests: RESOURCES,
  resource_limits: RESOURCES,
  sidecar_resource_limits: RESOURCES,
  sidecar_resource_requests: RESOURCES,
  tolerations: POD,
  pod_patch: POD,
  pod_spec: POD,
  scheduling_spec: { ignored: "Kubernetes scheduling (node selector, priority class); transforms run on this machine" },
  metadata: { ignored: "Kubernetes annotations and labels" },
  autoscaling: WORKERS,
  standby: WORKERS,
  enable_stats: { ignored: "calf always keeps each datum's logs and timing (calf logs, calf list datum)" },
  cache_size: { ignored: "worker cache tuning" },
  max_queue_size: { ignored: "worker queue tuning" },
  hashtree_spec: { ignored: "how Pachyderm 1.x shards its file index" },
  chunk_spec: { ignored: "how Pachyderm 1.x hands datums to workers in chunks" },
  maximum_expected_uptime: { ignored: "monitoring of long-lived services" },
  update: REQUEST_FLAG,
  reprocess: REQUEST_FLAG,
  dry_run: REQUEST_FLAG,
  egress: {
    unsupported: "egress copies each output commit to external storage",
    because: "calf has no egress step",
    instead: "add a downstream pipeline whose transform uploads its input",
  },
  s3_out: {
    unsupported: "s3_out makes the transform write its output through an S3 gateway",
    because: "calf serves no S3 gateway",
    instead: "write the output files under /pfs/out",
  },
  service: SERVICE,
  spec_commit: {
    unsupported: "spec_commit pins the pipeline to a stored spec",
    because: "the pipelines folder is calf's only spec",
    instead: "check out the version of the spec file you want",
  },
  tf_job: {
    unsupported: "tf_job hands the work to a Kubeflow TFJob",
    because: "calf starts no Kubernetes jobs",
    instead: "run the training command as transform.cmd",
  },
  determined: {
    unsupported: "determined hands the work to a Determined cluster",
    because: "calf talks to no Determined cluster",
    instead: "run the command as transform.cmd",
  },
};

export const TRANSFORM_FOREIGN: Record<string, Foreign> = {
  image: { ignored: "transforms run on the host" },
  image_pull_secrets: CONTAINER,
  user: CONTAINER,
  dockerfile: CONTAINER,
  memory_volume: { ignored: "a container's in-memory scratch volume" },
  debug: { ignored: "worker debug logging" },
  secrets: {
    unsupported: "secrets mount Kubernetes secrets as files or variables",
    because: "calf has no Kubernetes secrets",
    instead: "set the variable in calf's own environment (transforms inherit it) or read it from a file the transform can see",
  },
};

export const PIPELINE_FOREIGN: Record<string, Foreign> = { project: PROJECT };
export const PARALLELISM_FOREIGN: Record<string, Foreign> = {
  coefficient: { ignored: "calf's parallelism is parallelism_spec.constant, or the number of CPUs" },
};
export const SPOUT_FOREIGN: Record<string, Foreign> = { service: SERVICE };

export const INPUT_FOREIGN: Record<string, Foreign> = {
  git: {
    unsupported: "a git input is fed by a webhook on pushes",
    because: "calf serves no webhooks",
    instead: "put the checkout into a repo with calf put file -r --overwrite (e.g. from a git hook) and read it as pfs",
  },
};

export const PFS_FOREIGN: Record<string, Foreign> = {
  lazy: { ignored: "a download strategy; the transform reads the same files either way" },
  project: PROJECT,
  repo_type: {
    unsupported: "repo_type other than \"user\" reads Pachyderm's internal spec or meta repos",
    because: "calf has no such repos",
    instead: "leave repo_type out",
    accept: (node) => (isScalar(node) && node.value === "user" ? "" : undefined),
  },
  s3: {
    unsupported: "s3 serves the input through an S3 gateway instead of as files",
    because: "calf serves no S3 gateway",
    instead: "leave s3 out and read the files under /pfs/<name>",
  },
  commit: {
    unsupported: "commit pins the input to one commit",
    because: "calf runs on the heads of branches",
    instead: "point a branch at that commit and set branch",
  },
  trigger: {
    unsupported: "trigger runs the pipeline only when a condition on the branch holds",
    because: "calf runs on every new head of the branch",
    instead: "read a branch that you move yourself when the condition holds",
  },
  propagation_spec: {
    unsupported: "propagation_spec stops commits to this input from starting jobs",
    because: "calf starts a job on every new head of its inputs",
    instead: "read a branch that you move yourself when a job should run",
  },
};

export const CRON_FOREIGN: Record<string, Foreign> = {
  project: PROJECT,
  commit: PFS_FOREIGN.commit!,
};

/** Notices and issues for the foreign fields among `fields` (all others are left alone). */
export function checkForeign(r: Reader, fields: Map<string, Field>, table: Record<string, Foreign>): void {
  for (const [name, f] of fields) {
    const rule = table[name];
    if (rule === undefined || isZero(f.node)) continue;
    if ("ignored" in rule) {
      r.notice(f.at, f.path, `${describe(f.node)}ignored: ${rule.ignored}`);
      continue;
    }
    const accepted = rule.accept?.(f.node);
    if (accepted === "") continue;
    if (accepted !== undefined) {
      r.notice(f.at, f.path, `${describe(f.node)}ignored: ${accepted}`);
      continue;
    }
    r.fail(f.at, f.path, `not supported by calf: ${rule.unsupported}, because ${rule.because}, instead ${rule.instead}`);
  }
}

/** The names of a table, for a Reader's list of known fields. */
export const names = (table: Record<string, Foreign>): string[] => Object.keys(table);

// protobuf's unset values: a field written with one of these means nothing.
function isZero(node: Node | null): boolean {
  if (node === null) return true;
  if (isScalar(node)) return node.value === null || node.value === false || node.value === "" || node.value === 0 || node.value === "0";
  if (isMap(node) || isSeq(node)) return node.items.length === 0;
  return false;
}

/** `"x" is ` for a scalar value, so the notice names it; nothing for a mapping or list. */
function describe(node: Node | null): string {
  return isScalar(node) && (typeof node.value === "string" || typeof node.value === "number" || typeof node.value === "boolean")
    ? `${JSON.stringify(node.value)} is `
    : "";
}
