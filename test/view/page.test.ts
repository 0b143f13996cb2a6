// The status page and report documents (src/view/page.ts): self-contained
// (no URL outside the page's own API), and the page's script is valid on its own.
import { describe, expect, test } from "bun:test";
import { pageHtml, pageScript, reportHtml, type ReportData } from "../../src/view/page.ts";
import { J, P, R } from "./_fixtures.ts";

/** Every absolute URL in the document (script included) but the SVG namespace, which is a name and never loaded. */
const external = (html: string) => [...html.matchAll(/(?:https?:)?\/\/[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^"'`\s)]*/g)].map((m) => m[0]).filter((u) => u !== "http://www.w3.org/2000/svg");

describe("pageHtml()", () => {
  test("pageHtml() loads nothing from elsewhere: no CDN, no external script, style or font", () => {
    const html = pageHtml();
    expect(external(html)).toEqual([]);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+stylesheet/);
  });

  test("pageScript() compiles alone and holds every kit, reading only the §7 API", () => {
    const script = pageScript();
    expect(() => new Function(script)).not.toThrow();
    const apis = [...script.matchAll(/["`](\/api\/v1\/[a-z/]*)/g)].map((m) => m[1]);
    expect(new Set(apis)).toEqual(new Set(["/api/v1/pipelines", "/api/v1/repos", "/api/v1/jobs", "/api/v1/logs", "/api/v1/events", "/api/v1/repos/", "/api/v1/jobs/"]));
    expect(pageHtml()).toContain(script);
  });
});

describe("reportHtml()", () => {
  const data: ReportData = {
    generated: "2026-01-01T01:00:00Z", version: "calf 0.1.0 (dev)",
    pipelines: [P("count", ["books"]), P("top", ["count"])], repos: [R("books")],
    history: { count: [J("j1", "failure", "2026-01-01T00:00:00Z", "2026-01-01T00:00:03Z", { total: 2, processed: 1, failed: 1 }, "count")], top: [] },
    jobs: [{
      job: { ...J("j1", "failure", "2026-01-01T00:00:00Z", "2026-01-01T00:00:03Z", { total: 2, processed: 1, failed: 1 }, "count"), reason: "datum d1 (/bad) failed: exit 3" },
      failures: [{ datum: { id: "d1", job: "j1", state: "failed", inputs: [{ name: "books", repo: "books", commit: "c", path: "/bad" }], duration_ms: 5, tries: 3, reason: "exit 3" }, log: [{ time: null, pipeline: "count", job: "j1", datum: "d1", attempt: "3", stream: "err", text: "</pre><script>alert(1)</script>" }] }],
    }],
    focus: "j1",
  };

  test("reportHtml() holds the DAG with the job's pipeline in focus, the job, its failure and log tail, escaped, and no script", () => {
    const html = reportHtml(data);
    expect(html.match(/data-node="/g)).toHaveLength(5);
    expect(html).toContain('class="node pipe st-failing focus" data-node="pipeline:count"');
    expect(html).toContain("<title>calf report: count job j1</title>");
    expect(html).toContain("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script");
    expect(external(html)).toEqual([]);
  });

  test("reportHtml() without a focus reports on every job given, titled so", () => {
    expect(reportHtml({ ...data, focus: null })).toContain("<title>calf report: the last job of every pipeline</title>");
  });
});
