// The HTML renderer (src/view/render.ts) over the kit as imported and as
// rebuilt from its source text: formats, escaping, the DAG's SVG, cards, failures, the file list.
import { describe, expect, test } from "bun:test";
import { J, P, R } from "./_fixtures.ts";
import { KITS } from "./_kits.ts";

const NOW = Date.parse("2026-01-01T00:10:00Z");

describe.each(KITS)("renderKit() %s", (_name, { model, render }) => {
  test.each([
    [0, "0 ms"], [999, "999 ms"], [1500, "1.5 s"], [42_000, "42 s"], [125_000, "2 min 5 s"], [3 * 3600_000 + 60_000, "3 h 1 min"], [50 * 3600_000, "2 d 2 h"], [null, "-"],
  ] as const)("fmtDuration(%p) is %p", (ms, want) => {
    expect(render.fmtDuration(ms)).toBe(want);
  });

  test.each([
    ["2026-01-01T00:09:59.500Z", "just now"], ["2026-01-01T00:09:30Z", "30 s ago"], ["2026-01-01T00:05:00Z", "5 min ago"], ["2026-01-01T00:12:00Z", "in 2 min"], [null, "-"],
  ] as const)("fmtAgo(%p) is %p", (iso, want) => {
    expect(render.fmtAgo(iso, NOW)).toBe(want);
  });

  test("pipelineCard() escapes names and reasons: no markup from data gets through", () => {
    const job = { ...J("j1", "failure", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", { total: 1, failed: 1 }, "p"), reason: 'datum x failed: <img src=x onerror="alert(1)">' };
    const html = render.pipelineCard(P("p", ["<b>in</b>"]), [job], null, NOW);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>in</b>");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain('<span class="badge st-failing">failing</span>');
  });

  test("pipelineCard() shows a running job's progress: done/total, rate and ETA", () => {
    const run = J("abcdef0123456789", "running", "2026-01-01T00:09:50Z", null, { total: 10, processed: 2, skipped: 3 });
    const html = render.pipelineCard(P("p", ["in"]), [run], { job: run, progress: model.progress(run, [], NOW) }, NOW);
    expect(html).toContain('<b class="pcount">5/10</b> datums · 0.2/s · ETA 25 s');
    expect(html).toContain('style="width:50%"');
    expect(html).toContain('class="tl-bar js-run live"');
  });

  test("pipelineCard() shows spout and cron extras when the API sends them", () => {
    const p = P("feed", [], {
      spout: { last_archive: "2026-01-01T00:08:00Z", archives: 3, rejected_archives: 1, restarts: 2 },
      cron: [{ name: "tick", repo: "feed_tick", spec: "@every 1h", last_tick: "2026-01-01T00:00:00Z", next_tick: "2026-01-01T00:05:00Z" }],
    });
    const text = render.pipelineCard(p, [], null, NOW).replace(/<[^>]+>/g, "");
    expect(text).toContain("spout · last archive 2 min ago · 3 archives · 1 rejected · 2 restarts");
    expect(text).toContain("cron tick @every 1h · last tick 10 min ago · next tick 5 min ago (due)");
  });

  test("failureList() shows each datum's inputs, first reason line and log tail, stderr marked", () => {
    const datum = { id: "d1", job: "j1", state: "failed" as const, inputs: [{ name: "text", repo: "text", commit: "c", path: "/bad.txt" }], duration_ms: 3, tries: 3, reason: "exit 3: no\nmore" };
    const log = [{ time: null, pipeline: "p", job: "j1", datum: "d1", attempt: "3", stream: "out", text: "working" }, { time: null, pipeline: "p", job: "j1", datum: "d1", attempt: "3", stream: "err", text: "it <broke>" }];
    const html = render.failureList([{ pipeline: "p", job: "j1", failure: { datum, log } }]);
    expect(html).toContain('<p class="inputs">text:/bad.txt</p>');
    expect(html).toContain('<p class="reason">exit 3: no</p>');
    expect(html).toContain('<pre class="log"><span class="ln ">working</span>\n<span class="ln err">it &lt;broke&gt;</span></pre>');
    expect(html).toContain("3 tries");
    expect(render.failureList([])).toContain("No failed datums");
  });

  test("fileTable() opens folders in place and links files to the download endpoint, path encoded", () => {
    const html = render.fileTable("my repo", "c0ffee", "/a b/", [
      { path: "/a b/sub/", type: "dir", size_bytes: 10, hash: "h1" },
      { path: "/a b/x#1.txt", type: "file", size_bytes: 5, hash: "h2" },
    ]);
    expect(html).toContain('<button type="button" data-dir="/a b/sub/">sub/</button>');
    expect(html).toContain('<a href="/api/v1/repos/my%20repo/file?ref=c0ffee&amp;path=%2Fa%20b%2Fx%231.txt" download="x#1.txt">x#1.txt</a>');
    expect(html).toContain('data-dir="/a b/">a b/</button>');
  });

  test("dagSvg() draws one node per DAG node and one path per edge; top to bottom is narrower for a chain", () => {
    const dag = model.buildDag([P("count", ["books"]), P("top", ["count"])], [R("books")]);
    const lr = render.dagSvg(dag, "LR");
    expect(lr.match(/data-node="/g)).toHaveLength(dag.nodes.length);
    expect(lr.match(/<path class="edge"/g)).toHaveLength(dag.edges.length);
    const width = (svg: string) => Number(/width="(\d+)"/.exec(svg)![1]);
    expect(width(render.dagSvg(dag, "TB"))).toBeLessThan(width(lr) / 3);
    expect(render.dagSvg(dag, "LR", "pipeline:top")).toContain('class="node pipe st-idle focus" data-node="pipeline:top"');
  });

  test("jobDetail() lists timings, counts and provenance", () => {
    const job = { ...J("j1", "success", "2026-01-01T00:00:00Z", "2026-01-01T00:00:02.5Z", { total: 3, processed: 1, skipped: 2 }, "count"), input_commits: [{ repo: "books", commit: "c1" }], output_commit: "c2", stats: { run_ms: 2000 } };
    const text = render.jobDetail(job, [], NOW).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(text).toContain("duration 2.5 s");
    expect(text).toContain("datums 3 datums: 1 processed, 2 skipped");
    expect(text).toContain("stages run 2.0 s");
    expect(text).toContain("input commits books@c1");
    expect(text).toContain("output commit count@c2");
    expect(text).not.toContain("workers");
  });

  test("jobDetail() names the remote workers that ran the job's datums, and a failed datum's worker", () => {
    const job = { ...J("j1", "failure", "2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z", { total: 3, processed: 2, failed: 1 }, "count"), workers: { "w2": 1, "w1": 2 } };
    const failure = { datum: { id: "d1", job: "j1", state: "failed" as const, inputs: [{ name: "in", repo: "in", commit: "c", path: "/x" }], duration_ms: 1, tries: 1, reason: "exit 1", worker: "w2" }, log: [] };
    const text = render.jobDetail(job, [failure], NOW).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(text).toContain("workers w1 (2), w2 (1)");
    expect(text).toContain("in:/x on worker w2");
  });
});
