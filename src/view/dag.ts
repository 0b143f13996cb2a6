// The DAG as an inline SVG (status page and report): nodes sized by their
// text, placed by the layout kit, edges with arrowheads, and the state legend.
// Pure; ships to the browser as source (dagKit() uses only its arguments).
import type { FormatKit } from "./format.ts";
import type { LayoutKit } from "./layout.ts";
import type { Dag, DagNode } from "./model.ts";

export function dagKit(layout: LayoutKit, fmt: FormatKit) {
  const { esc, anchor } = fmt;
  // --- the DAG -------------------------------------------------------------

  const CHAR_W = 7.8; // 13px monospace
  function nodeSize(n: DagNode): { w: number; h: number } {
    const lines = nodeLines(n);
    const longest = Math.max(...lines.map((l) => l.length));
    return { w: Math.round(longest * CHAR_W + 28), h: lines.length > 1 ? 46 : 30 };
  }

  function nodeLines(n: DagNode): string[] {
    if (n.kind === "pipeline") return [n.name, `${n.state ?? "idle"}${n.spout ? " · spout" : ""}`];
    if (n.source === "cron") return [n.name, `cron ${n.cronSpec ?? ""}`.trim()];
    return [n.name];
  }

  /** The DAG as an inline SVG; `focus` (a node id) is drawn highlighted. */
  function dagSvg(dag: Dag, direction: "LR" | "TB" = "LR", focus?: string): string {
    if (!dag.nodes.length) return `<p class="empty">No pipelines or repos yet.</p>`;
    const sizes = new Map(dag.nodes.map((n) => [n.id, nodeSize(n)]));
    const laid = layout.layer(dag.nodes.map((n) => n.id), dag.edges);
    const placed = layout.place(laid, sizes, { direction, layerGap: direction === "LR" ? 44 : 30, nodeGap: direction === "LR" ? 16 : 14 });
    const pad = 6;
    const W = Math.ceil(placed.width + 2 * pad);
    const H = Math.ceil(placed.height + 2 * pad);
    const lr = direction === "LR";
    // Each hop a cubic curve leaving and entering along the main axis; the arrowhead's tip sits on the target's edge.
    const path = (pts: [number, number][]) => {
      let d = `M${pts[0]![0] + pad},${pts[0]![1] + pad}`;
      for (let i = 1; i < pts.length; i++) {
        const [x0, y0] = pts[i - 1]!;
        const [x1, y1] = pts[i]!;
        const [ax, ay, bx, by] = lr ? [(x0 + x1) / 2, y0, (x0 + x1) / 2, y1] : [x0, (y0 + y1) / 2, x1, (y0 + y1) / 2];
        d += ` C${ax + pad},${ay + pad} ${bx + pad},${by + pad} ${x1 + pad},${y1 + pad}`;
      }
      return d;
    };
    const edges = placed.routes
      .map((r) => `<path class="edge" data-edge="${esc(r.from)}>${esc(r.to)}" d="${path(r.points)}" marker-end="url(#calf-arrow)"/>`)
      .join("");
    const nodes = dag.nodes
      .map((n) => {
        const b = placed.boxes.get(n.id)!;
        const lines = nodeLines(n);
        const cls = n.kind === "pipeline" ? `node pipe st-${n.state ?? "idle"}` : `node repo src-${n.source ?? "user"}`;
        const text = lines
          .map((l, i) => `<text x="${b.w / 2}" y="${lines.length > 1 ? (i === 0 ? 19 : 36) : 19}" class="${i === 0 ? "nm" : "sub"}">${esc(l)}</text>`)
          .join("");
        const shape = n.kind === "pipeline" ? `<rect width="${b.w}" height="${b.h}" rx="5"/>` : `<rect width="${b.w}" height="${b.h}" rx="${b.h / 2}"/>`;
        const body = `<g class="${cls}${n.id === focus ? " focus" : ""}" data-node="${esc(n.id)}" transform="translate(${b.x + pad},${b.y + pad})"><title>${esc(n.kind === "pipeline" ? `pipeline ${n.name}: ${n.state}` : `repo ${n.name}`)}</title>${shape}${text}</g>`;
        return n.kind === "pipeline" ? `<a href="#${anchor("p", n.name)}">${body}</a>` : body;
      })
      .join("");
    return (
      `<svg class="dag" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="pipeline DAG">` +
      `<defs><marker id="calf-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L8,4L0,8z" class="arrowhead"/></marker></defs>` +
      `<g class="edges">${edges}</g><g class="nodes">${nodes}</g></svg>`
    );
  }

  function legend(): string {
    const states = ["running", "success", "failing", "paused", "inactive", "idle"];
    return `<ul class="legend">${states.map((s) => `<li><span class="chip st-${s}"></span>${s}</li>`).join("")}<li><span class="chip repo"></span>repo</li></ul>`;
  }

  return { nodeSize, dagSvg, legend };
}

export type DagKit = ReturnType<typeof dagKit>;
