// Test helper: YAML text -> validated specs and formatted issue lines, as `calf lint` prints them.

import { formatIssue } from "../../src/spec/format.ts";
import { parseSpecText } from "../../src/spec/parse.ts";
import type { PipelineSpec } from "../../src/spec/types.ts";
import { validateDoc } from "../../src/spec/validate.ts";

export const DISPLAY = "pipelines/p.yaml";
export const ABS = "/w/pipelines/p.yaml";

/** `lines` are the issues, `notices` the notices, both as `calf lint` prints them. */
export function lintText(text: string): { specs: PipelineSpec[]; lines: string[]; notices: string[] } {
  const { docs, issues } = parseSpecText(DISPLAY, text);
  const specs: PipelineSpec[] = [];
  const lines = issues.map(formatIssue);
  const notices: string[] = [];
  for (const doc of docs) {
    const r = validateDoc(doc, ABS);
    if (r.spec) specs.push(r.spec);
    lines.push(...r.issues.map(formatIssue));
    notices.push(...r.notices.map(formatIssue));
  }
  return { specs, lines, notices };
}

/** The spec without its source positions, for comparing normalised values. */
export function bare(spec: PipelineSpec): PipelineSpec {
  const { source: _, ...rest } = spec;
  return rest;
}
