// Strict schema of one spec document (SPEC §3): YAML nodes in, a normalised
// PipelineSpec with defaults filled, or located issues, out.
// Pure; no I/O: paths are joined, never read (load.ts checks deps exist).

import { dirname, isAbsolute, join, normalize } from "node:path";
import { isScalar } from "yaml";
import { Reader, type Field } from "./_read.ts";
import { DURATION_HELP, parseDuration } from "./duration.ts";
import { readInput } from "./input.ts";
import { inputNameProblem, pipelineNameProblem, simpleNameProblem } from "./names.ts";
import type { RawDoc } from "./parse.ts";
import type { PipelineSpec, SpecIssue, Transform } from "./types.ts";

const TOP_FIELDS = [
  "pipeline", "description", "transform", "input", "parallelism_spec", "datum_tries",
  "datum_timeout", "job_timeout", "output_branch", "reprocess_spec", "spout", "merge",
];
const TRANSFORM_FIELDS = [
  "cmd", "stdin", "env", "working_dir", "err_cmd", "err_stdin", "accept_return_code", "image", "deps",
];

/** `file` is the spec file's absolute path: it becomes `spec.file` and anchors working_dir. */
export function validateDoc(raw: RawDoc, file: string): { spec?: PipelineSpec; issues: SpecIssue[] } {
  const r = new Reader(raw);
  const root = r.root();
  const top = r.fields(root, TOP_FIELDS);
  if (top === undefined) return { issues: r.issues };
  const opt = <T>(key: string, read: (f: Field) => T | undefined, fallback: T): T | undefined => {
    const f = top.get(key);
    return f === undefined ? fallback : read(f);
  };

  const name = readPipeline(r, top, root);
  const description = opt("description", (f) => r.string(f), "");
  const transform = readTransform(r, top, root, file);
  const spout = opt("spout", (f) => readSpout(r, f), null);
  const inputF = top.get("input");
  if (top.has("spout") && inputF !== undefined) {
    r.fail(inputF.at, "input", "a spout takes no input", "remove input, or remove spout");
  } else if (!top.has("spout") && inputF === undefined) {
    r.fail(root.at, "input", "missing (required unless the pipeline is a spout)", "e.g. input: {pfs: {repo: images, glob: \"/*\"}}");
  }
  const input = inputF === undefined || top.has("spout") ? null : readInput(r, inputF, name ?? "");
  const parallelism = opt("parallelism_spec", (f) => readParallelism(r, f), null);
  const datumTries = opt("datum_tries", (f) => r.integer(f, 1), 3);
  const datumTimeoutMs = opt("datum_timeout", (f) => readDuration(r, f), null);
  const jobTimeoutMs = opt("job_timeout", (f) => readDuration(r, f), null);
  const outputBranch = opt("output_branch", (f) => readBranch(r, f), "master");
  const reprocessSpec = opt("reprocess_spec", (f) => r.oneOf(f, ["until_success", "every_job"] as const), "until_success");
  const merge = opt("merge", (f) => r.oneOf(f, ["append", "error"] as const), "append");

  if (r.issues.length > 0) return { issues: r.issues };
  // Each reader reports an issue whenever it returns undefined, so every value below is set
  // (`!` only drops `undefined`; null stays null where the type allows it).
  const spec: PipelineSpec = {
    name: name!, description: description!, file, transform: transform!, input: input!,
    parallelism: parallelism!, datumTries: datumTries!, datumTimeoutMs: datumTimeoutMs!,
    jobTimeoutMs: jobTimeoutMs!, outputBranch: outputBranch!, reprocessSpec: reprocessSpec!,
    spout: spout!, merge: merge!,
    source: { file: raw.file, doc: raw.index, positions: r.positions },
  };
  return { spec, issues: [] };
}

/** The name a document declares, valid or not: its output repo still counts as known to other specs. */
export function declaredName(raw: RawDoc): string | undefined {
  const name = raw.doc.getIn(["pipeline", "name"]);
  return typeof name === "string" ? name : undefined;
}

function readPipeline(r: Reader, top: Map<string, Field>, root: Field): string | undefined {
  const pf = r.need(top, "pipeline", root, "e.g. pipeline: {name: edges}");
  const p = pf && r.fields(pf, ["name"]);
  const nf = p && r.need(p, "name", pf!, "e.g. pipeline: {name: edges}");
  const name = nf && r.string(nf);
  const problem = name === undefined ? undefined : pipelineNameProblem(name);
  return problem === undefined ? name : r.fail(nf!.at, nf!.path, ...problem);
}

function readTransform(r: Reader, top: Map<string, Field>, root: Field, file: string): Transform | undefined {
  const tf = r.need(top, "transform", root, "e.g. transform: {cmd: [python3, edges.py]}");
  const t = tf && r.fields(tf, TRANSFORM_FIELDS);
  if (t === undefined) return undefined;
  const cmdF = r.need(t, "cmd", tf!, "the argv to run, e.g. cmd: [python3, edges.py]");
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

function readParallelism(r: Reader, f: Field): number | undefined {
  const p = r.fields(f, ["constant"]);
  const c = p && r.need(p, "constant", f, "e.g. parallelism_spec: {constant: 4}");
  return c && r.integer(c, 1);
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
  const s = r.fields(f, ["overwrite", "marker"]);
  if (s === undefined) return undefined;
  const overwrite = s.has("overwrite") ? r.boolean(s.get("overwrite")!) : false;
  const mf = s.get("marker");
  const marker = mf && r.string(mf);
  const problem = marker === undefined ? undefined : inputNameProblem(marker, "marker name");
  if (problem !== undefined) return r.fail(mf!.at, mf!.path, ...problem);
  if (overwrite === undefined || (mf !== undefined && marker === undefined)) return undefined;
  return { overwrite, ...(marker === undefined ? {} : { marker }) };
}
