// `calf dag`'s formats (src/view/text.ts): the terminal text, Graphviz dot
// (rendered by `dot -Tsvg` when Graphviz is installed) and Mermaid.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { modelKit } from "../../src/view/model.ts";
import { dagDot, dagLabel, dagMermaid, dagText } from "../../src/view/text.ts";
import { J, P, R } from "./_fixtures.ts";

const model = modelKit();
const chain = model.buildDag([P("count", ["books"]), P("top", ["count"])], [R("books")], (n) => (n === "count" ? J("1", "success", "2026-01-01T00:00:00Z", null) : undefined));
const fan = model.buildDag([P("count", ["books"]), P("top", ["count"]), P("split", ["books"])], [R("books")]);
const rich = model.buildDag([
  P("a", ["x", "y"]), P("b", ["a", "x"]), P("feed", [], { spout: { last_archive: null } }),
  P("nightly", ["nightly_tick", "feed"], { state: "paused", cron: [{ name: "tick", repo: "nightly_tick", spec: "@daily", last_tick: null, next_tick: null }] }),
], [R("x"), R("y"), R("lonely")]);

const hasDot = spawnSync("dot", ["-V"], { stdio: "ignore" }).status === 0;
if (!hasDot) console.warn("test/view/text.test.ts: dot -Tsvg checks SKIPPED: Graphviz's dot is not installed (apt-get install graphviz)");

describe("dagText()", () => {
  test("dagText() draws a chain on one line, left to right, with states", () => {
    expect(dagText(chain)).toBe("(books) ──▶ [count: success] ──▶ (count) ──▶ [top: idle] ──▶ (top)\n\n(repo)  [pipeline: state]\n");
  });

  test("dagText() forks a repo read by two pipelines with box-drawing lines", () => {
    expect(dagText(fan)).toBe([
      "         ┌──▶ [count: idle] ──▶ (count) ──▶ [top: idle] ──▶ (top)",
      "(books) ─┤",
      "         └──▶ [split: idle] ──▶ (split)",
      "",
      "(repo)  [pipeline: state]",
      "",
    ].join("\n"));
  });

  test("dagText() shows every node once, marks spouts and cron repos, and ends every edge in an arrow", () => {
    const text = dagText(rich);
    for (const n of rich.nodes) expect(text.split(dagLabel(n)).length - 1).toBe(1);
    expect(text).toContain("[feed: idle, spout]");
    expect(text).toContain("(nightly_tick: cron @daily)");
    expect(text).toContain("[nightly: paused]");
    const targets = rich.nodes.filter((n) => rich.edges.some((e) => e.to === n.id));
    for (const n of targets) expect(text).toContain(`▶ ${dagLabel(n)}`);
  });

  test("dagText() writes control characters in names as \\x escapes", () => {
    const dag = model.buildDag([P("p\x1b[2J", ["in"])], []);
    expect(dagText(dag)).toContain("[p\\x1b[2J: idle]");
    expect(dagText(dag)).not.toContain("\x1b");
  });

  test("dagText() of nothing says so", () => {
    expect(dagText({ nodes: [], edges: [] })).toBe("no pipelines or repos yet\n");
  });
});

describe("dagDot() and dagMermaid()", () => {
  test("dagDot() names every node and edge, left to right, pipelines filled by state", () => {
    const dot = dagDot(rich);
    expect(dot.startsWith("digraph calf {\n  rankdir=LR;")).toBe(true);
    for (const n of rich.nodes) expect(dot).toContain(`"${n.id}" [label=`);
    for (const e of rich.edges) expect(dot).toContain(`"${e.from}" -> "${e.to}";`);
    expect(dot).toMatch(/"pipeline:nightly" \[label="nightly\\npaused", shape=box, style="rounded,filled", color="#9a6a00"/);
  });

  test.skipIf(!hasDot)("dagDot() output renders with Graphviz's dot -Tsvg, one SVG node per DAG node", () => {
    const r = spawnSync("dot", ["-Tsvg"], { input: dagDot(rich), encoding: "utf8" });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout.match(/<g id="node\d+" class="node">/g)).toHaveLength(rich.nodes.length);
    expect(r.stdout.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(rich.edges.length);
  });

  test("dagDot() escapes quotes and backslashes in labels", () => {
    const dot = dagDot({ nodes: [{ id: 'repo:a"b\\c', kind: "repo", name: 'a"b\\c', source: "user" }], edges: [] });
    expect(dot).toContain('"repo:a\\"b\\\\c" [label="a\\"b\\\\c"');
  });

  test("dagMermaid() is a left-to-right flowchart with one line per node and edge, and a class per state used", () => {
    const lines = dagMermaid(chain).trimEnd().split("\n");
    expect(lines).toEqual([
      "flowchart LR",
      '  n0[("books")]:::repo',
      '  n1[("count")]:::repo',
      '  n2[("top")]:::repo',
      '  n3["count<br/>success"]:::success',
      '  n4["top<br/>idle"]:::idle',
      "  n3 --> n1",
      "  n4 --> n2",
      "  n0 --> n3",
      "  n1 --> n4",
      "  classDef success fill:#dcf0e1,stroke:#21813a,color:#1d2125",
      "  classDef idle fill:#eef0f2,stroke:#56606b,color:#1d2125",
      "  classDef repo fill:#eef1f6,stroke:#8a94a3,color:#1d2125",
    ]);
  });
});
