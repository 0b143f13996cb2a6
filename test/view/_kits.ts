// Test helper: the view kits twice, as imported and as the page gets them
// (rebuilt from their source text with nothing around them), so every table
// runs over both and a kit that reaches outside itself fails here.
import { layoutKit, type LayoutKit } from "../../src/view/layout.ts";
import { modelKit, type ModelKit } from "../../src/view/model.ts";
import { renderKit, type RenderKit } from "../../src/view/render.ts";
import { dagKit } from "../../src/view/dag.ts";
import { formatKit } from "../../src/view/format.ts";

export interface Kits {
  model: ModelKit;
  layout: LayoutKit;
  render: RenderKit;
}

function fromSource(): Kits {
  const make = (fn: Function, ...args: unknown[]) => new Function("args", `return (${fn.toString()})(...args);`)(args);
  const model = make(modelKit) as ModelKit;
  const layout = make(layoutKit) as LayoutKit;
  const fmt = make(formatKit);
  return { model, layout, render: make(renderKit, model, fmt, make(dagKit, layout, fmt)) as RenderKit };
}

const imported = (): Kits => {
  const model = modelKit();
  const layout = layoutKit();
  const fmt = formatKit();
  return { model, layout, render: renderKit(model, fmt, dagKit(layout, fmt)) };
};

/** [name, kits] rows for describe.each. */
export const KITS: [string, Kits][] = [["imported", imported()], ["from source text", fromSource()]];
