// The layered layout (src/view/layout.ts) over the kit as imported and as
// rebuilt from its source text.
import { describe, expect, test } from "bun:test";
import { KITS } from "./_kits.ts";

const E = (...pairs: string[]) => pairs.map((p) => ({ from: p.split(">")[0]!, to: p.split(">")[1]! }));

describe.each(KITS)("layoutKit() %s", (_name, { layout }) => {
  test("layer() puts a chain in consecutive layers, one node each", () => {
    const laid = layout.layer(["a", "b", "c"], E("a>b", "b>c"));
    expect(laid.layers).toEqual([["a"], ["b"], ["c"]]);
    expect(laid.chains.every((c) => c.via.length === 0)).toBe(true);
  });

  test("layer() gives an edge that skips layers one dummy per layer it crosses", () => {
    const laid = layout.layer(["a", "b", "c", "d"], E("a>b", "b>c", "c>d", "a>d"));
    const long = laid.chains.find((c) => c.from === "a" && c.to === "d")!;
    expect(long.via).toHaveLength(2);
    expect(long.via.map((d) => laid.layerOf.get(d))).toEqual([1, 2]);
    expect(long.via.every((d) => layout.isDummy(d))).toBe(true);
  });

  test("layer() puts a source right before its nearest consumer, and nodes with no edge last in layer 0", () => {
    const laid = layout.layer(["lonely", "x", "a", "b", "late"], E("x>a", "a>b", "late>b"));
    expect(laid.layerOf.get("late")).toBe(1);
    expect(laid.layers[0]).toEqual(["x", "lonely"]);
  });

  test("layer() terminates on a cycle and layers every node", () => {
    const laid = layout.layer(["a", "b", "c"], E("a>b", "b>c", "c>b"));
    expect([...laid.layerOf.keys()].filter((k) => !layout.isDummy(k)).sort()).toEqual(["a", "b", "c"]);
  });

  test("layer() orders layers to remove the crossing the input order makes", () => {
    // Input order crosses: a->y, b->x with x before y.
    const edges = E("a>y", "b>x");
    const laid = layout.layer(["a", "b", "x", "y"], edges);
    const next = new Map([["a", ["y"]], ["b", ["x"]]]);
    expect(layout.crossings(laid.layers[0]!, laid.layers[1]!, next)).toBe(0);
    expect(layout.crossings(["a", "b"], ["x", "y"], next)).toBe(1);
  });

  test.each(["LR", "TB"] as const)("place() %s: layers advance along the main axis, nodes in a layer keep order without overlapping", (direction) => {
    const ids = ["r", "p1", "p2", "p3", "o"];
    const laid = layout.layer(ids, E("r>p1", "r>p2", "r>p3", "p1>o", "p3>o"));
    const sizes = new Map(ids.map((id) => [id, { w: 60, h: 30 }]));
    const placed = layout.place(laid, sizes, { direction, layerGap: 40, nodeGap: 10 });
    const main = (id: string) => (direction === "LR" ? placed.boxes.get(id)!.x : placed.boxes.get(id)!.y);
    const cross = (id: string) => (direction === "LR" ? placed.boxes.get(id)!.y : placed.boxes.get(id)!.x);
    expect(main("r")).toBeLessThan(main("p1"));
    expect(main("p1")).toBeLessThan(main("o"));
    const layer1 = laid.layers[1]!;
    for (let i = 1; i < layer1.length; i++) expect(cross(layer1[i]!) - cross(layer1[i - 1]!)).toBeGreaterThanOrEqual((direction === "LR" ? 30 : 60) + 10);
    for (const b of placed.boxes.values()) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(placed.width);
      expect(b.y + b.h).toBeLessThanOrEqual(placed.height);
    }
  });

  test("place() routes each edge from the source's side to the target's side", () => {
    const laid = layout.layer(["a", "b"], E("a>b"));
    const placed = layout.place(laid, new Map([["a", { w: 50, h: 20 }], ["b", { w: 70, h: 20 }]]), { direction: "LR", layerGap: 30, nodeGap: 10 });
    const a = placed.boxes.get("a")!;
    const b = placed.boxes.get("b")!;
    expect(placed.routes).toEqual([{ from: "a", to: "b", points: [[a.x + a.w, a.y + 10], [b.x, b.y + 10]] }]);
    expect(b.x - (a.x + a.w)).toBeGreaterThanOrEqual(30);
  });
});
