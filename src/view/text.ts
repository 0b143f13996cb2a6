// `calf dag`'s three formats: text for a terminal (layers left to right, joined
// with box-drawing lines), Graphviz dot and Mermaid, all from one Dag. Pure:
// a Dag in, a string out; names are made terminal-safe here.
import { layoutKit } from "./layout.ts";
import type { Dag, DagNode, ViewState } from "./model.ts";

export const DAG_FORMATS = ["text", "dot", "mermaid"] as const;
export type DagFormat = (typeof DAG_FORMATS)[number];

/** Fill and stroke per pipeline state (light theme), shared by dot and Mermaid. */
const COLOURS: Record<ViewState | "repo", { fill: string; stroke: string }> = {
  running: { fill: "#dde8fb", stroke: "#2f6fde" },
  success: { fill: "#dcf0e1", stroke: "#21813a" },
  failing: { fill: "#fbe0de", stroke: "#c62828" },
  paused: { fill: "#fbefcf", stroke: "#9a6a00" },
  inactive: { fill: "#e6e7e9", stroke: "#7b8088" },
  idle: { fill: "#eef0f2", stroke: "#56606b" },
  repo: { fill: "#eef1f6", stroke: "#8a94a3" },
};

/** Control characters as \xNN, so a name cannot drive the terminal. */
const safe = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

export function dagLabel(n: DagNode): string {
  if (n.kind === "pipeline") return `[${safe(n.name)}: ${n.state ?? "idle"}${n.spout ? ", spout" : ""}]`;
  if (n.source === "cron") return `(${safe(n.name)}: cron ${safe(n.cronSpec ?? "")})`;
  return `(${safe(n.name)})`;
}

const L = 1, R = 2, U = 4, D = 8;
const BOX: Record<number, string> = {
  [L]: "─", [R]: "─", [L | R]: "─", [U]: "│", [D]: "│", [U | D]: "│",
  [R | D]: "┌", [R | U]: "└", [L | D]: "┐", [L | U]: "┘",
  [L | R | D]: "┬", [L | R | U]: "┴", [U | D | R]: "├", [U | D | L]: "┤", [L | R | U | D]: "┼",
};

/**
 * The DAG for a terminal: one column per layer, nodes as `(repo)` and
 * `[pipeline: state]`, edges as lines ending in ▶. Each source whose edges
 * change rows gets its own vertical track in the gap after its column.
 */
export function dagText(dag: Dag): string {
  if (!dag.nodes.length) return "no pipelines or repos yet\n";
  const lay = layoutKit();
  const label = new Map(dag.nodes.map((n) => [n.id, dagLabel(n)]));
  const laid = lay.layer(dag.nodes.map((n) => n.id), dag.edges);
  const sizes = new Map(dag.nodes.map((n) => [n.id, { w: label.get(n.id)!.length, h: 1 }]));
  const placed = lay.place(laid, sizes, { direction: "LR", layerGap: 0, nodeGap: 1, snap: true, dummy: { w: 0, h: 1 } });
  // Whole rows, in layer order, two apart at least.
  const row = new Map<string, number>();
  for (const l of laid.layers) {
    let last = -Infinity;
    for (const id of l) {
      const r = Math.max(Math.round(placed.boxes.get(id)!.y), last + 2);
      row.set(id, r);
      last = r;
    }
  }
  const top = Math.min(...row.values());
  for (const [id, r] of row) row.set(id, r - top);
  const height = Math.max(...row.values()) + 1;
  // Segments between neighbouring layers, grouped by the gap they cross.
  const segs: [string, string][][] = laid.layers.map(() => []);
  for (const ch of laid.chains) {
    const path = [ch.from, ...ch.via, ch.to];
    for (let i = 0; i + 1 < path.length; i++) {
      const a = laid.layerOf.get(path[i]!)!;
      if (laid.layerOf.get(path[i + 1]!) === a + 1) segs[a]!.push([path[i]!, path[i + 1]!]);
    }
  }
  const colW = laid.layers.map((l) => Math.max(1, ...l.map((id) => label.get(id)?.length ?? 0)));
  const tracks = segs.map((ss) => [...new Set(ss.filter(([a, b]) => row.get(a) !== row.get(b)).map(([a]) => a))].sort((a, b) => row.get(a)! - row.get(b)!));
  const gapW = tracks.map((t) => 2 * t.length + 5);
  const colX: number[] = [];
  laid.layers.reduce((x, _, i) => ((colX[i] = x), x + colW[i]! + (i + 1 < laid.layers.length ? gapW[i]! : 0)), 0);
  const width = colX[colX.length - 1]! + colW[colW.length - 1]!;
  const dirs = Array.from({ length: height }, () => new Array<number>(width).fill(0));
  const text = Array.from({ length: height }, () => new Array<string>(width).fill(" "));
  const hline = (r: number, x1: number, x2: number) => {
    for (let x = x1; x <= x2; x++) dirs[r]![x]! |= L | R;
  };
  laid.layers.forEach((l, i) => {
    const x0 = colX[i]! + colW[i]!;
    const lineStart = x0 + 1;
    const hasOut = new Set(segs[i]!.map(([a]) => a));
    for (const id of l) {
      const r = row.get(id)!;
      if (lay.isDummy(id)) {
        hline(r, colX[i]!, x0);
        continue;
      }
      const s = label.get(id)!;
      for (let k = 0; k < s.length; k++) text[r]![colX[i]! + k] = s[k]!;
      // One space after the label, then the line to the gap.
      if (hasOut.has(id)) hline(r, colX[i]! + s.length + 1, lineStart - 1);
    }
    if (i + 1 >= laid.layers.length) return;
    const lineEnd = x0 + gapW[i]! - 3;
    const trackX = new Map(tracks[i]!.map((id, k) => [id, lineStart + 1 + 2 * k]));
    for (const [a, b] of segs[i]!) {
      const ra = row.get(a)!;
      const rb = row.get(b)!;
      const tx = trackX.get(a);
      if (tx === undefined) hline(ra, lineStart, lineEnd);
      else {
        hline(ra, lineStart, tx - 1);
        dirs[ra]![tx]! |= L;
        for (let r = Math.min(ra, rb); r <= Math.max(ra, rb); r++) dirs[r]![tx]! |= (r > Math.min(ra, rb) ? U : 0) | (r < Math.max(ra, rb) ? D : 0);
        dirs[rb]![tx]! |= R;
        hline(rb, tx + 1, lineEnd);
      }
      // Into a dummy the line goes on (its column is all line); into a node it ends in an arrow.
      if (lay.isDummy(b)) hline(rb, lineEnd + 1, lineEnd + 2);
      else text[rb]![lineEnd + 1] = "▶";
    }
  });
  const lines = text.map((t, r) => t.map((ch, x) => (ch !== " " ? ch : dirs[r]![x] ? BOX[dirs[r]![x]!] ?? "┼" : " ")).join("").trimEnd());
  // Runs of empty rows (nothing crosses them) shrink to one.
  const kept = lines.filter((line, r) => line !== "" || (r > 0 && lines[r - 1] !== ""));
  return `${kept.join("\n")}\n\n(repo)  [pipeline: state]\n`;
}

const dotString = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

/** Graphviz: `calf dag --format dot | dot -Tsvg > dag.svg`. */
export function dagDot(dag: Dag): string {
  const lines = ["digraph calf {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=12];', '  edge [color="#6b7280"];'];
  for (const n of dag.nodes) {
    const c = COLOURS[n.kind === "pipeline" ? n.state ?? "idle" : "repo"];
    if (n.kind === "pipeline") {
      const label = `${n.name}\n${n.state ?? "idle"}${n.spout ? " · spout" : ""}`;
      lines.push(`  ${dotString(n.id)} [label=${dotString(label)}, shape=box, style="rounded,filled", color="${c.stroke}", fillcolor="${c.fill}"];`);
    } else {
      const label = n.source === "cron" ? `${n.name}\ncron ${n.cronSpec ?? ""}` : n.name;
      lines.push(`  ${dotString(n.id)} [label=${dotString(label)}, shape=cylinder, style=${n.source === "cron" ? '"filled,dashed"' : "filled"}, color="${c.stroke}", fillcolor="${c.fill}"];`);
    }
  }
  for (const e of dag.edges) lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

const mermaidText = (s: string) => s.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");

/** Mermaid (GitHub renders it in a ```mermaid block). */
export function dagMermaid(dag: Dag): string {
  const ids = new Map(dag.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ["flowchart LR"];
  const used = new Set<ViewState>();
  for (const n of dag.nodes) {
    const id = ids.get(n.id)!;
    if (n.kind === "pipeline") {
      const st = n.state ?? "idle";
      used.add(st);
      lines.push(`  ${id}["${mermaidText(n.name)}<br/>${st}${n.spout ? " · spout" : ""}"]:::${st}`);
    } else {
      const label = n.source === "cron" ? `${mermaidText(n.name)}<br/>cron ${mermaidText(n.cronSpec ?? "")}` : mermaidText(n.name);
      lines.push(`  ${id}[("${label}")]:::repo`);
    }
  }
  for (const e of dag.edges) lines.push(`  ${ids.get(e.from)} --> ${ids.get(e.to)}`);
  for (const st of [...used, "repo" as const]) lines.push(`  classDef ${st} fill:${COLOURS[st].fill},stroke:${COLOURS[st].stroke},color:#1d2125`);
  return lines.join("\n") + "\n";
}

export function renderDag(dag: Dag, format: DagFormat): string {
  return format === "dot" ? dagDot(dag) : format === "mermaid" ? dagMermaid(dag) : dagText(dag);
}
