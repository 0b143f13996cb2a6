// Layered DAG layout (Sugiyama style): layers by longest path, dummy nodes on
// long edges, barycenter ordering to cut crossings, then coordinates left to
// right (or top to bottom). Pure; ships to the browser as source like model.ts,
// so layoutKit() may use no import but types and no outer value.

export interface LayoutNode {
  id: string;
  /** Extent along x and y (text columns and rows for the terminal view). */
  w: number;
  h: number;
}

export interface Layered {
  /** Node ids per layer, in order; dummies are `~N` ids. */
  layers: string[][];
  layerOf: Map<string, number>;
  /** Each input edge with the dummies it passes through. */
  chains: { from: string; to: string; via: string[] }[];
}

export interface Placed {
  /** Top-left corner and size of each node (dummies: zero size). */
  boxes: Map<string, { x: number; y: number; w: number; h: number }>;
  width: number;
  height: number;
  /** Each edge's route: from the source's side through the dummies to the target's side. */
  routes: { from: string; to: string; points: [number, number][] }[];
}

export interface PlaceOptions {
  direction: "LR" | "TB";
  /** Space between layers along the main axis. */
  layerGap: number;
  /** Space between neighbours within a layer. */
  nodeGap: number;
  /** Round cross-axis positions to whole units (the terminal grid). */
  snap?: boolean;
  /** The size of a dummy node (default: none; the terminal gives each a row). */
  dummy?: { w: number; h: number };
}

export function layoutKit() {
  const isDummy = (id: string) => id.startsWith("~");

  /** Layers, dummies and an order with few crossings. Edges closing a cycle are kept but not layered by. */
  function layer(ids: string[], edges: { from: string; to: string }[]): Layered {
    const known = new Set(ids);
    const es = edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
    const succ = new Map(ids.map((id) => [id, [] as string[]]));
    const pred = new Map(ids.map((id) => [id, [] as string[]]));
    for (const e of es) {
      succ.get(e.from)!.push(e.to);
      pred.get(e.to)!.push(e.from);
    }
    // Longest path from the sources, in Kahn's order; a cycle's rest goes after, in input order.
    const waiting = new Map(ids.map((id) => [id, pred.get(id)!.length]));
    const layerOf = new Map<string, number>();
    const queue = ids.filter((id) => waiting.get(id) === 0);
    const order: string[] = [];
    while (order.length < ids.length) {
      if (!queue.length) queue.push(ids.find((id) => !layerOf.has(id) && !order.includes(id))!);
      const n = queue.shift()!;
      if (order.includes(n)) continue;
      order.push(n);
      const l = Math.max(0, ...pred.get(n)!.filter((p) => layerOf.has(p)).map((p) => layerOf.get(p)! + 1));
      layerOf.set(n, l);
      for (const s of succ.get(n)!) {
        waiting.set(s, waiting.get(s)! - 1);
        if (waiting.get(s) === 0) queue.push(s);
      }
    }
    // A source sits right before its nearest consumer, not at the far left.
    for (const n of [...order].reverse()) {
      const next = succ.get(n)!.map((s) => layerOf.get(s)!).filter((l) => l > layerOf.get(n)!);
      if (pred.get(n)!.length === 0 && next.length) layerOf.set(n, Math.min(...next) - 1);
    }
    const depth = Math.max(0, ...layerOf.values()) + 1;
    const layers: string[][] = Array.from({ length: depth }, () => []);
    for (const id of ids) layers[layerOf.get(id)!]!.push(id);
    // Dummies, so every edge joins neighbouring layers.
    const chains: Layered["chains"] = [];
    const next = new Map<string, string[]>();
    const prev = new Map<string, string[]>();
    const link = (a: string, b: string) => {
      if (!next.has(a)) next.set(a, []);
      if (!prev.has(b)) prev.set(b, []);
      next.get(a)!.push(b);
      prev.get(b)!.push(a);
    };
    let dummies = 0;
    for (const e of es) {
      const a = layerOf.get(e.from)!;
      const b = layerOf.get(e.to)!;
      const via: string[] = [];
      if (b > a) {
        let at = e.from;
        for (let l = a + 1; l < b; l++) {
          const d = `~${dummies++}`;
          layers[l]!.push(d);
          layerOf.set(d, l);
          via.push(d);
          link(at, d);
          at = d;
        }
        link(at, e.to);
      }
      chains.push({ from: e.from, to: e.to, via });
    }
    orderLayers(layers, next, prev);
    // Nodes with no edge at all (a repo nothing reads yet) go below the rest.
    const alone = (id: string) => !next.has(id) && !prev.has(id);
    layers[0] = [...layers[0]!.filter((id) => !alone(id)), ...layers[0]!.filter(alone)];
    return { layers, layerOf, chains };
  }

  /** Crossings between two neighbouring layers. */
  function crossings(upper: string[], lower: string[], next: Map<string, string[]>): number {
    const pos = new Map(lower.map((id, i) => [id, i]));
    const ends: [number, number][] = [];
    upper.forEach((id, i) => {
      for (const t of next.get(id) ?? []) if (pos.has(t)) ends.push([i, pos.get(t)!]);
    });
    let n = 0;
    for (let i = 0; i < ends.length; i++) {
      for (let j = i + 1; j < ends.length; j++) {
        const [a, b] = ends[i]!;
        const [c, d] = ends[j]!;
        if ((a - c) * (b - d) < 0) n++;
      }
    }
    return n;
  }

  const totalCrossings = (layers: string[][], next: Map<string, string[]>) =>
    layers.slice(1).reduce((sum, l, i) => sum + crossings(layers[i]!, l, next), 0);

  /** Barycenter sweeps down and up; keeps the order with the fewest crossings (ties: the earlier). */
  function orderLayers(layers: string[][], next: Map<string, string[]>, prev: Map<string, string[]>): void {
    const sortBy = (layer: string[], ref: string[], nbrs: Map<string, string[]>) => {
      const pos = new Map(ref.map((id, i) => [id, i]));
      const bary = new Map(layer.map((id, i) => {
        const ps = (nbrs.get(id) ?? []).filter((n) => pos.has(n)).map((n) => pos.get(n)!);
        return [id, ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : i];
      }));
      const index = new Map(layer.map((id, i) => [id, i]));
      layer.sort((a, b) => bary.get(a)! - bary.get(b)! || index.get(a)! - index.get(b)!);
    };
    let best = layers.map((l) => [...l]);
    let bestN = totalCrossings(layers, next);
    for (let round = 0; round < 6 && bestN > 0; round++) {
      if (round % 2 === 0) for (let i = 1; i < layers.length; i++) sortBy(layers[i]!, layers[i - 1]!, prev);
      else for (let i = layers.length - 2; i >= 0; i--) sortBy(layers[i]!, layers[i + 1]!, next);
      const n = totalCrossings(layers, next);
      if (n < bestN) {
        bestN = n;
        best = layers.map((l) => [...l]);
      }
    }
    best.forEach((l, i) => (layers[i] = l));
  }

  /**
   * Coordinates for a layered graph. Along the main axis each layer is as
   * deep as its deepest node; across it, nodes start stacked and centred,
   * then move towards their neighbours' centres (down, up, down) keeping
   * their order and `nodeGap` between them.
   */
  function place(laid: Layered, sizes: Map<string, { w: number; h: number }>, opts: PlaceOptions): Placed {
    const lr = opts.direction === "LR";
    const size = (id: string) => (isDummy(id) ? opts.dummy ?? { w: 0, h: 0 } : sizes.get(id) ?? { w: 0, h: 0 });
    const main = (id: string) => (lr ? size(id).w : size(id).h);
    const cross = (id: string) => (lr ? size(id).h : size(id).w);
    const depthOf = laid.layers.map((l) => Math.max(0, ...l.map(main)));
    const mainAt: number[] = [];
    depthOf.reduce((at, d, i) => ((mainAt[i] = at), at + d + opts.layerGap), 0);
    // Cross-axis centre of every node.
    const c = new Map<string, number>();
    const extent = (l: string[]) => l.reduce((s, id) => s + cross(id), 0) + opts.nodeGap * Math.max(0, l.length - 1);
    const widest = Math.max(0, ...laid.layers.map(extent));
    for (const l of laid.layers) {
      let at = (widest - extent(l)) / 2;
      for (const id of l) {
        c.set(id, at + cross(id) / 2);
        at += cross(id) + opts.nodeGap;
      }
    }
    const nbrs = (dir: 1 | -1) => {
      const m = new Map<string, string[]>();
      const add = (a: string, b: string) => (m.get(a) ?? m.set(a, []).get(a)!).push(b);
      for (const ch of laid.chains) {
        const path = [ch.from, ...ch.via, ch.to];
        for (let i = 0; i + 1 < path.length; i++) (dir === 1 ? add(path[i + 1]!, path[i]!) : add(path[i]!, path[i + 1]!));
      }
      return m;
    };
    const before = nbrs(1);
    const after = nbrs(-1);
    const snap = (v: number) => (opts.snap ? Math.round(v) : v);
    const settle = (l: string[], ref: Map<string, string[]>) => {
      const want = l.map((id) => {
        const ns = (ref.get(id) ?? []).filter((n) => c.has(n));
        return snap(ns.length ? ns.reduce((s, n) => s + c.get(n)!, 0) / ns.length : c.get(id)!);
      });
      const sep = (i: number) => (cross(l[i - 1]!) + cross(l[i]!)) / 2 + opts.nodeGap;
      // Forward: keep order and gaps; backward: pull back what was pushed past its wish.
      const pos = [...want];
      for (let i = 1; i < l.length; i++) pos[i] = Math.max(pos[i]!, pos[i - 1]! + sep(i));
      for (let i = l.length - 2; i >= 0; i--) pos[i] = Math.min(pos[i]!, pos[i + 1]! - sep(i + 1));
      for (let i = 1; i < l.length; i++) pos[i] = Math.max(pos[i]!, pos[i - 1]! + sep(i));
      l.forEach((id, i) => c.set(id, pos[i]!));
    };
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i < laid.layers.length; i++) settle(laid.layers[i]!, before);
      for (let i = laid.layers.length - 2; i >= 0; i--) settle(laid.layers[i]!, after);
    }
    const lowest = Math.min(0, ...[...c].map(([id, v]) => v - cross(id) / 2));
    const boxes: Placed["boxes"] = new Map();
    let width = 0;
    let height = 0;
    laid.layers.forEach((l, i) => {
      for (const id of l) {
        const m0 = mainAt[i]! + (depthOf[i]! - main(id)) / 2;
        const c0 = c.get(id)! - cross(id) / 2 - lowest;
        const b = lr ? { x: m0, y: c0, w: size(id).w, h: size(id).h } : { x: c0, y: m0, w: size(id).w, h: size(id).h };
        boxes.set(id, b);
        width = Math.max(width, b.x + b.w);
        height = Math.max(height, b.y + b.h);
      }
    });
    const exit = (id: string): [number, number] => {
      const b = boxes.get(id)!;
      return lr ? [b.x + b.w, b.y + b.h / 2] : [b.x + b.w / 2, b.y + b.h];
    };
    const entry = (id: string): [number, number] => {
      const b = boxes.get(id)!;
      return lr ? [b.x, b.y + b.h / 2] : [b.x + b.w / 2, b.y];
    };
    const routes = laid.chains.map((ch) => ({
      from: ch.from,
      to: ch.to,
      points: [exit(ch.from), ...ch.via.map(entry), entry(ch.to)],
    }));
    return { boxes, width, height, routes };
  }

  return { layer, place, crossings, isDummy };
}

export type LayoutKit = ReturnType<typeof layoutKit>;
