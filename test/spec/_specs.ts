// Test helper: compact pipeline specs for graph and cross-file tests, validated for real
// so that they carry source positions.

import { expect } from "bun:test";
import type { PipelineSpec } from "../../src/spec/types.ts";
import { lintText } from "./_lint.ts";

/** One spec per `name: input` pair, each its own YAML document of pipelines/p.yaml. */
export function specs(defs: Record<string, string>): PipelineSpec[] {
  const text = Object.entries(defs)
    .map(([name, input]) => `pipeline: {name: ${name}}\ntransform: {cmd: [x]}\n${input === "spout" ? "spout: {}" : `input: ${input}`}\n`)
    .join("---\n");
  const { specs, lines } = lintText(text);
  expect(lines).toEqual([]);
  return specs;
}

export const pfs = (repo: string) => `{pfs: {repo: ${repo}, glob: "/*"}}`;
export const cross = (...repos: string[]) => `{cross: [${repos.map((r) => `{pfs: {repo: ${r}, glob: "/*", name: ${r}_in}}`).join(", ")}]}`;
