// A pipeline's version hash (SPEC §4.3): the transform fields that change
// what a datum produces, plus the content of every file in transform.deps, and
// Pachyderm's salt when set. Other fields (parallelism, timeouts, description)
// are left out on purpose.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PipelineSpec } from "../spec/types.ts";

export function versionHash(spec: PipelineSpec, sha256: (s: string | Uint8Array) => string): string {
  const t = spec.transform;
  const env = Object.entries(t.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const deps = depsContent(path.dirname(spec.file), t.deps, sha256);
  return sha256(JSON.stringify({
    cmd: t.cmd, stdin: t.stdin ?? null, env,
    // Relative to the spec file: moving the whole project folder reprocesses nothing.
    working_dir: path.relative(path.dirname(spec.file), t.workingDir) || ".", err_cmd: t.errCmd ?? null,
    err_stdin: t.errStdin ?? null, accept_return_code: [...t.acceptReturnCode].sort((a, b) => a - b), deps,
    // Only when set, so that specs without a salt keep the versions they had.
    ...(spec.salt ? { salt: spec.salt } : {}),
  }));
}

/** [relative path, content hash] of every file the deps cover, sorted. */
function depsContent(base: string, deps: string[], sha256: (s: string | Uint8Array) => string): [string, string][] {
  const out: [string, string][] = [];
  const visit = (abs: string, rel: string) => {
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) out.push([rel, "missing"]);
    else if (st.isDirectory()) for (const n of fs.readdirSync(abs).sort()) visit(path.join(abs, n), `${rel.replace(/\/$/, "")}/${n}`);
    else out.push([rel, sha256(fs.readFileSync(abs))]);
  };
  for (const d of deps) visit(path.resolve(base, d), d);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
