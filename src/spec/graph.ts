// The pipeline DAG: which repos a pipeline reads, run order, and cycles.
// An edge p -> q means q reads p's output repo (named after p). Pure; no I/O.

import type { CronInput, Input, PfsInput, PipelineSpec } from "./types.ts";

/** A leaf input with its field path, e.g. "input.cross[1].pfs". */
export interface LeafAt<T> {
  input: T;
  path: string;
}

/** Every leaf input, depth first, with field paths as validate records them. */
export function leafInputs(input: Input | null, path = "input"): LeafAt<PfsInput | CronInput>[] {
  if (input === null) return [];
  if (input.kind === "pfs" || input.kind === "cron") return [{ input, path: `${path}.${input.kind}` }];
  return input.inputs.flatMap((member, i) => leafInputs(member, `${path}.${input.kind}[${i}]`));
}

/** The repos an input reads (pfs repos and cron repos), sorted, each once. */
export function upstreamRepos(input: Input | null): string[] {
  return [...new Set(leafInputs(input).map((l) => l.input.repo))].sort();
}

/** Pipeline names in run order: upstream first; among ready pipelines, by name. Throws on a cycle. */
export function topoOrder(specs: PipelineSpec[]): string[] {
  const g = buildGraph(specs);
  const waiting = new Map([...g.keys()].map((n) => [n, 0]));
  for (const targets of g.values()) for (const t of targets) waiting.set(t, waiting.get(t)! + 1);
  const ready = [...waiting].filter(([, n]) => n === 0).map(([name]) => name);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort();
    const next = ready.shift()!;
    order.push(next);
    for (const t of g.get(next)!) {
      waiting.set(t, waiting.get(t)! - 1);
      if (waiting.get(t) === 0) ready.push(t);
    }
  }
  if (order.length < g.size) {
    const stuck = [...g.keys()].filter((n) => !order.includes(n)).sort();
    throw new Error(`cycle: ${cycleThrough(g, stuck[0])!.join(" -> ")}`);
  }
  return order;
}

/** For each pipeline on a cycle, the shortest cycle through it: ["a", "b", "a"]. Sorted by pipeline name. */
export function findCycles(specs: PipelineSpec[]): string[][] {
  const g = buildGraph(specs);
  return [...g.keys()].sort().flatMap((n) => {
    const c = cycleThrough(g, n);
    return c === undefined ? [] : [c];
  });
}

// name -> downstream pipelines, sorted; the first spec of a duplicated name wins.
function buildGraph(specs: PipelineSpec[]): Map<string, string[]> {
  const g = new Map<string, Set<string>>();
  for (const s of specs) if (!g.has(s.name)) g.set(s.name, new Set());
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    for (const l of leafInputs(s.input)) if (l.input.kind === "pfs") g.get(l.input.repo)?.add(s.name);
  }
  return new Map([...g].map(([n, t]) => [n, [...t].sort()]));
}

// Breadth-first from `start` back to itself, visiting downstream pipelines in name order.
function cycleThrough(g: Map<string, string[]>, start: string): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const t of g.get(n) ?? []) {
      if (t === start) {
        const between: string[] = [];
        for (let p = n; p !== start; p = parent.get(p)!) between.unshift(p);
        return [start, ...between, start];
      }
      if (!parent.has(t)) {
        parent.set(t, n);
        queue.push(t);
      }
    }
  }
  return undefined;
}
