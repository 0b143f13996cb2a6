// The shape of src/ as docs/ARCHITECTURE.md promises it, checked on every
// `npm test`: no import cycle between folders, runtime-specific calls only in
// runtime/, SQL only in src/db/, process state read only in main.ts, small files.
import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";

const SRC = path.join(import.meta.dir, "..", "src");

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}
const all = files(SRC);
const rel = (f: string) => path.relative(SRC, f);
/** The unit of the folder graph: a folder directly under src/, or a file directly in src/. */
const unit = (f: string) => rel(f).split(path.sep)[0]!.replace(/\.ts$/, "");
/** Code without comments (a rough cut: enough for the checks below). */
const code = (f: string) => fs.readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

/** Folder -> folders it imports (or, with `by` = rel, file -> files), from `import ... from "./x.ts"` and `export ... from` lines. */
export function folderGraph(by: (f: string) => string = unit): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const f of all) {
    const from = by(f);
    if (!g.has(from)) g.set(from, new Set());
    for (const m of fs.readFileSync(f, "utf8").matchAll(/^(?:import|export)[^;]*?from\s+"(\.[^"]+)"/gm)) {
      const target = path.resolve(path.dirname(f), m[1]!);
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = by(target);
      if (to !== from) g.get(from)!.add(to);
    }
  }
  return g;
}

/** Every cycle's members (strongly connected components of more than one node), Tarjan's algorithm. */
export function cycles(g: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), on = new Set<string>(), stack: string[] = [], out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe("src/ architecture", () => {
  test("cycles() finds a cycle between folders and none in a tree (the checker itself can fail)", () => {
    expect(cycles(new Map([["a", new Set(["b"])], ["b", new Set(["c"])], ["c", new Set(["a"])], ["d", new Set(["a"])]]))).toEqual([["a", "b", "c"]]);
    expect(cycles(new Map([["a", new Set(["b", "c"])], ["b", new Set(["c"])], ["c", new Set()]]))).toEqual([]);
  });

  test("no import cycle between src/ folders (and top-level files)", () => {
    expect(cycles(folderGraph())).toEqual([]);
  });

  test("no import cycle between src/ files either (type-only imports count)", () => {
    expect(cycles(folderGraph(rel))).toEqual([]);
  });

  test("src/ never touches Bun.*, Deno.* or bun:* (runtime/ does)", () => {
    expect(all.filter((f) => /\bBun\.|\bDeno\.|from\s+"bun:/.test(code(f))).map(rel)).toEqual([]);
  });

  test("SQL lives only in src/db/", () => {
    const sql = /["'`]\s*(SELECT|INSERT|UPDATE|DELETE|PRAGMA|CREATE TABLE|REPLACE INTO)\s/;
    expect(all.filter((f) => !rel(f).startsWith(`db${path.sep}`) && sql.test(code(f))).map(rel)).toEqual([]);
  });

  test("process.env, process.cwd(), Date.now() and the CPU count are read only in main.ts (and the page's own browser script)", () => {
    const ambient = /process\.env|process\.cwd\(|Date\.now\(|navigator\.hardwareConcurrency|new Date\(\)/;
    const exempt = new Set(["main.ts", path.join("view", "client.ts")]);
    expect(all.filter((f) => !exempt.has(rel(f)) && ambient.test(code(f))).map(rel)).toEqual([]);
  });

  test("no source file is over 12 KB, and run/job.ts is under 150 lines", () => {
    expect(all.filter((f) => fs.statSync(f).size > 12 * 1024).map((f) => `${rel(f)} (${fs.statSync(f).size} bytes)`)).toEqual([]);
    expect(fs.readFileSync(path.join(SRC, "run", "job.ts"), "utf8").split("\n").length).toBeLessThan(150);
  });
});
