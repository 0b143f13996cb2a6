// Strict schema of one spec document (SPEC §3): YAML nodes in, a normalised
// PipelineSpec with defaults filled, or located issues, out; Pachyderm-only
// fields become notices or "not supported" issues (pachyderm.ts).
// Pure; no I/O: paths are joined, never read (load.ts checks deps exist).

import { dirname, isAbsolute, join, normalize } from "node:path";
import { isScalar } from "yaml";
import { Reader, type Field } from "./_read.ts";
import { DURATION_HELP, parseDuration } from "../cron/duration.ts";
import { readInput } from "./input.ts";
import { inputNameProblem, pipelineNameProblem, simpleNameProblem } from "./names.ts";
import {
  checkForeign, names, PARALLELISM_FOREIGN, PIPELINE_FOREIGN, SPOUT_FOREIGN, TOP_FOREIGN, TRANSFORM_FOREIGN,
} from "./pachyderm.ts";
import type { RawDoc } from "./parse.ts";
import type { DatumSetSpec, PipelineSpec, SpecIssue, Transform } from "./types.ts";

const TOP_FIELDS = [
  "pipeline", "description", "transform", "input", "parallelism_spec", "datum_tries",
  "datum_timeout", "job_timeout", "output_branch", "reprocess_spec", "spout", "merge",
  "datum_batching", "salt", "datum_set_spec",
];
const TRANSFORM_FIELDS = [
  "cmd", "stdin", "env", "working_dir", "err_cmd", "err_stdin", "accept_return_code", "image", "deps", "datum_batching",
];

/**
 * `file` is the spec file's absolute path: it becomes `spec.file` and anchors working_dir.
 * `notices` are not errors: Pachyderm fields calf accepts and ignores.
 */
export function validateDoc(raw: RawDoc, file: string): { spec?: PipelineSpec; issues: SpecIssue[]; notices: SpecIssue[] } {
  const r = new Reader(raw);
  const root = r.root();
  const top = r.fields(root, [...TOP_FIELDS, ...names(TOP_FOREIGN)], TOP_FIELDS);
  if (top === undefined) return { issues: r.issues, notices: r.notices };
  checkForeign(r, top, TOP_FOREIGN);
  const opt = <T>(key: string, read: (f: Field) => T | undefined, fallback: T): T | undefined => {
    const f = top.get(key);
    return f === undefined ? fallback : read(f);
  };

  const name = readPipeline(r, top, root);
  const description = opt("description", (f) => r.string(f), "");
  const { transform, datumBatchingField } = readTransform(r, top, root, file);
  const spout = opt("spout", (f) => readSpout(r, f), null);
  const inputF = top.get("input");
  if (top.has("spout") && inputF !== undefined) {
    r.fail(inputF.at, "input", "a spout takes no input", "remove input, or remove spout");
  } else if (!top.has("spout") && inputF === undefined) {
    r.fail(root.at, "input", "missing (required unless the pipeline is a spout)", "e.g. input: {pfs: {repo: images, glob: \"/*\"}}");
  }
  const input = inputF === undefined || top.has("spout") ? null : readInput(r, inputF, name ?? "");
  const parallelism = opt("parallelism_spec", (f) => readParallelism(r, f), null);
  const datumTries = opt("datum_tries", (f) => r.integer(f, 0), 3) || 3; // 0 is protobuf's unset: the default
  const datumTimeoutMs = opt("datum_timeout", (f) => readDuration(r, f), null);
  const jobTimeoutMs = opt("job_timeout", (f) => readDuration(r, f), null);
  const outputBranch = opt("output_branch", (f) => readBranch(r, f), "master");
  const reprocessSpec = opt("reprocess_spec", (f) => r.oneOf(f, ["until_success", "every_job"] as const), "until_success");
  const merge = opt("merge", (f) => r.oneOf(f, ["append", "error"] as const), "append");
  const salt = opt("salt", (f) => r.string(f), "");
  const datumSetSpec = opt("datum_set_spec", (f) => readDatumSetSpec(r, f), null);
  const datumBatching = readDatumBatching(r, top, datumBatchingField);

  if (r.issues.length > 0) return { issues: r.issues, notices: r.notices };
  // Each reader reports an issue whenever it returns undefined, so every value below is set
  // (`!` only drops `undefined`; null stays null where the type allows it).
  const spec: PipelineSpec = {
    name: name!, description: description!, file, transform: transform!, input: input!,
    parallelism: parallelism!, datumTries: datumTries!, datumTimeoutMs: datumTimeoutMs!,
    jobTimeoutMs: jobTimeoutMs!, outputBranch: outputBranch!, reprocessSpec: reprocessSpec!,
    spout: spout!, merge: merge!, datumBatching: datumBatching!,
    ...(salt ? { salt } : {}),
    ...(datumSetSpec ? { datumSetSpec } : {}),
    source: { file: raw.file, doc: raw.index, positions: r.positions },
  };
  return { spec, issues: [], notices: r.notices };
}

/** The name a document declares, valid or not: its output repo still counts as known to other specs. */
export function declaredName(raw: RawDoc): string | undefined {
  const name = raw.doc.getIn(["pipeline", "name"]);
  return typeof name === "string" ? name : undefined;
}

function readPipeline(r: Reader, top: Map<string, Field>, root: Field): string | undefined {
  const pf = r.need(top, "pipeline", root, "e.g. pipeline: {name: edges}");
  const p = pf && r.fields(pf, ["name", ...names(PIPELINE_FOREIGN)], ["name"]);
  if (p) checkForeign(r, p, PIPELINE_FOREIGN);
  const nf = p && r.need(p, "name", pf!, "e.g. pipeline: {name: edges}");
  const name = nf && r.string(nf);
  const problem = name === undefined ? undefined : pipelineNameProblem(name);
  return problem === undefined ? name : r.fail(nf!.at, nf!.path, ...problem);
}

/** The transform, and Pachyderm's transform.datum_batching (a pipeline setting in calf) when written. */
function readTransform(r: Reader, top: Map<string, Field>, root: Field, file: string): { transform?: Transform; datumBatchingField?: Field } {
  const tf = r.need(top, "transform", root, "e.g. transform: {cmd: [python3, edges.py]}");
  const t = tf && r.fields(tf, [...TRANSFORM_FIELDS, ...names(TRANSFORM_FOREIGN)], TRANSFORM_FIELDS);
  if (t === undefined) return {};
  checkForeign(r, t, TRANSFORM_FOREIGN);
  const datumBatchingField = t.get("datum_batching");
  return { transform: readTransformFields(r, t, tf!, file), ...(datumBatchingField ? { datumBatchingField } : {}) };
}

function readTransformFields(r: Reader, t: Map<string, Field>, tf: Field, file: string): Transform | undefined {
  const cmdF = r.need(t, "cmd", tf, "the argv to run, e.g. cmd: [python3, edges.py]");
  const cmd = cmdF && r.strings(cmdF, true);
  const list = (key: string, nonEmpty: boolean) => (t.has(key) ? r.strings(t.get(key)!, nonEmpty) : undefined);
  const stdin = list("stdin", false);
  const errCmd = list("err_cmd", true);
  const errStdin = list("err_stdin", false);
  const env = t.has("env") ? r.stringMap(t.get("env")!) : {};
  const wd = t.has("working_dir") ? r.string(t.get("working_dir")!) : ".";
  const codes = t.has("accept_return_code") ? r.list(t.get("accept_return_code")!)?.map((f) => r.integer(f, 0, 255)) : [];
  const image = t.has("image") ? r.string(t.get("image")!) : undefined;
  const deps = t.has("deps") ? readDeps(r, t.get("deps")!) : [];
  if (cmd === undefined || env === undefined || wd === undefined || codes === undefined || deps === undefined) {
    return undefined;
  }
  return {
    cmd,
    ...(stdin === undefined ? {} : { stdin }),
    env,
    workingDir: isAbsolute(wd) ? normalize(wd) : join(dirname(file), wd),
    ...(errCmd === undefined ? {} : { errCmd }),
    ...(errStdin === undefined ? {} : { errStdin }),
    acceptReturnCode: codes as number[],
    ...(image === undefined ? {} : { image }),
    deps,
  };
}

function readDeps(r: Reader, f: Field): string[] | undefined {
  const items = r.list(f);
  if (items === undefined) return undefined;
  const deps = items.map((item) => {
    const d = r.string(item);
    if (d === "" || (d !== undefined && isAbsolute(d))) {
      return r.fail(item.at, item.path, `"${d}" must be a path relative to the spec file's folder`, 'e.g. deps: [edges.py, lib/]');
    }
    return d === undefined ? undefined : normalize(d);
  });
  return deps.every((d) => d !== undefined) ? (deps as string[]) : undefined;
}

// No `constant`, or 0 (protobuf's unset, as Pachyderm reads it): the default, null.
function readParallelism(r: Reader, f: Field): number | null | undefined {
  const p = r.fields(f, ["constant", ...names(PARALLELISM_FOREIGN)], ["constant"]);
  if (p === undefined) return undefined;
  checkForeign(r, p, PARALLELISM_FOREIGN);
  const c = p.get("constant");
  const n = c === undefined ? 0 : r.integer(c, 0);
  return n === 0 ? null : n;
}

function readDatumSetSpec(r: Reader, f: Field): DatumSetSpec | undefined {
  const keys = ["number", "size_bytes", "per_worker"] as const;
  const d = r.fields(f, keys);
  if (d === undefined) return undefined;
  const [number, sizeBytes, perWorker] = keys.map((k) => (d.has(k) ? r.integer(d.get(k)!, 0) : 0));
  if (number === undefined || sizeBytes === undefined || perWorker === undefined) return undefined;
  if (perWorker > 0 && (number > 0 || sizeBytes > 0)) {
    return r.fail(d.get("per_worker")!.at, `${f.path}.per_worker`, "cannot be set together with number or size_bytes", "keep one of them");
  }
  return { number, sizeBytes, perWorker };
}

// SPEC §3 writes it at the top level, Pachyderm inside transform: either place, not both.
function readDatumBatching(r: Reader, top: Map<string, Field>, inTransform: Field | undefined): boolean | undefined {
  const outer = top.get("datum_batching");
  if (outer !== undefined && inTransform !== undefined) {
    return r.fail(outer.at, "datum_batching", "is also set as transform.datum_batching", "set it in one place");
  }
  const f = outer ?? inTransform;
  return f === undefined ? false : r.boolean(f);
}

function readDuration(r: Reader, f: Field): number | undefined {
  const text = isScalar(f.node) ? f.node.value : undefined;
  if (typeof text !== "string") {
    const hint = typeof text === "number" ? `add a unit, e.g. "${f.node && isScalar(f.node) ? f.node.source : text}s"` : undefined;
    return r.expected(f, "a duration", hint ?? `e.g. "30s"; ${DURATION_HELP}`);
  }
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (e) {
    return r.fail(f.at, f.path, (e as Error).message);
  }
  if (ms <= 0) return r.fail(f.at, f.path, `"${text}" must be longer than zero`, "leave it out for no limit");
  return Math.ceil(ms);
}

function readBranch(r: Reader, f: Field): string | undefined {
  const b = r.string(f);
  const problem = b === undefined ? undefined : simpleNameProblem(b, "branch name");
  return problem === undefined ? b : r.fail(f.at, f.path, ...problem);
}

function readSpout(r: Reader, f: Field): PipelineSpec["spout"] | undefined {
  const s = r.fields(f, ["overwrite", "marker", ...names(SPOUT_FOREIGN)], ["overwrite", "marker"]);
  if (s === undefined) return undefined;
  checkForeign(r, s, SPOUT_FOREIGN);
  const overwrite = s.has("overwrite") ? r.boolean(s.get("overwrite")!) : false;
  const mf = s.get("marker");
  const marker = mf && r.string(mf);
  const problem = marker === undefined ? undefined : inputNameProblem(marker, "marker name");
  if (problem !== undefined) return r.fail(mf!.at, mf!.path, ...problem);
  if (overwrite === undefined || (mf !== undefined && marker === undefined)) return undefined;
  return { overwrite, ...(marker === undefined ? {} : { marker }) };
}
