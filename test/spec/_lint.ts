// Test helper: YAML text -> validated specs and formatted issue lines, as `calf lint` prints them.

import { formatIssue } from "../../src/spec/format.ts";
import { parseSpecText } from "../../src/spec/parse.ts";
import type { PipelineSpec } from "../../src/spec/types.ts";
import { validateDoc } from "../../src/spec/validate.ts";

export const DISPLAY = "pipelines/p.yaml";
export const ABS = "/w/pipelines/p.yaml";

export function lintText(text: string): { specs: PipelineSpec[]; lines: string[] } {
  const { docs, issues } = parseSpecText(DISPLAY, text);
  const specs: PipelineSpec[] = [];
  const lines = issues.map(formatIssue);
  for (const doc of docs) {
    const r = validateDoc(doc, ABS);
    if (r.spec) specs.push(r.spec);
    lines.push(...r.issues.map(formatIssue));
  }
  return { specs, lines };
}

/** The spec without its source positions, for comparing normalised values. */
export function bare(spec: PipelineSpec): PipelineSpec {
  const { source: _, ...rest } = spec;
  return rest;
}
