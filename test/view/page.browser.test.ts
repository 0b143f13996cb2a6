// The status page and `calf report` in headless Chromium (Debian's, driven by
// playwright-core), over a real three-stage run served by `calf serve`'s own
// HTTP API (createApp, on 127.0.0.1), whose event stream follows the runs.
// Skipped, saying so, only when no Chromium is installed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { collectReport } from "../../src/status.ts";
import { getJob, listJobs, type JobRow } from "../../src/db/queries/jobs.ts";
import { runOnce } from "../../src/run/scheduler.ts";
import { reportHtml } from "../../src/view/page.ts";
import { openTestApp, recordingProgress, type TestApp } from "../helpers/app.ts";
import { putText } from "../helpers/repo.ts";
import { useSandboxMode } from "../helpers/run.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";
import { serveApi, type ServedApi } from "../helpers/serve.ts";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
if (!CHROMIUM) console.warn("test/view/page.browser.test.ts: SKIPPED: no Chromium at /usr/bin/chromium (apt-get install -y chromium; .ci/run installs it)");

useSandboxMode("none");

const SPECS = (dir: string): Record<string, string> => ({
  words: `pipeline: {name: words}
transform:
  cmd: [sh, -c, 'sleep "$(cat ${dir}/delay 2>/dev/null || echo 0)"; if grep -q BAD "$text"; then echo "splitting $(basename "$text")"; echo "cannot split $(basename "$text"): it says BAD" >&2; exit 3; fi; tr -cs "A-Za-z" "\\n" < "$text" | grep -v "^$" > "$PFS_ROOT/out/$(basename "$text")"']
input: {pfs: {repo: text, glob: "/*"}}
parallelism_spec: {constant: 1}
datum_tries: 1
`,
  count: `pipeline: {name: count}
transform:
  cmd: [sh, -c, 'sort "$words" | uniq -c | awk "{print \\$2, \\$1}" > "$PFS_ROOT/out/$(basename "$words")"']
input: {pfs: {repo: words, glob: "/*"}}
`,
  top: `pipeline: {name: top}
transform:
  cmd: [sh, -c, 'cat "$count"/* | awk "{n[\\$1] += \\$2} END {for (w in n) print n[w], w}" | sort -k1,1nr -k2,2 | head -n 5 > "$PFS_ROOT/out/top.txt"']
input: {pfs: {repo: count, glob: "/"}}
`,
});

const EXPECTED_NODES = ["repo:text", "pipeline:words", "repo:words", "pipeline:count", "repo:count", "pipeline:top", "repo:top"].sort();
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

describe.skipIf(!CHROMIUM)("the status page and calf report in Chromium", () => {
  let dir: string;
  let out: string;
  let t: TestApp;
  let api: ServedApi;
  let browser: BrowserContext;
  let page: Page;
  let failedJob: JobRow;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = tempDir("calf-view-");
    out = path.join(dir, "out");
    fs.mkdirSync(out);
    t = await openTestApp({ dir: path.join(dir, "calf") });
    for (const [name, yaml] of Object.entries(SPECS(dir))) t.spec(name, yaml);
    await t.app.repos.createRepo("text");
    await putText(t.app.repos, "text", "/a.txt", "the quick brown fox\n");
    await putText(t.app.repos, "text", "/b.txt", "the lazy dog\n");
    await putText(t.app.repos, "text", "/c.txt", "the end\n");
    const first = await runOnce(t.app, { names: [], reprocess: false, observer: recordingProgress() });
    if (first.failed) throw new Error("fixture: the first run failed");
    await putText(t.app.repos, "text", "/bad.txt", "this one is BAD\n");
    await runOnce(t.app, { names: [], reprocess: false, observer: recordingProgress() });
    failedJob = (await listJobs(t.app.db, { pipeline: "words", limit: 1 }))[0]!;
    if (failedJob.state !== "failure") throw new Error(`fixture: expected words to fail, got ${failedJob.state}`);

    api = await serveApi(t.app);
    const { chromium } = await import("playwright-core");
    // This process runs jobs, and a job's runner kills every child process of it that it did not
    // spawn and that names no pipeline (src/transform/orphans.ts: an escaped transform). Chromium
    // is a child of this process too: it names a pipeline that is not running, so it is left alone.
    browser = await chromium.launchPersistentContext(path.join(dir, "chromium-profile"), {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 },
      env: { ...process.env, PPS_PIPELINE_NAME: "calf-browser-test" } as Record<string, string>,
    });
    page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(api.url);
    await page.waitForSelector("#live.on", { timeout: 10_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    t?.close();
    if (process.env.CALF_KEEP_TEST_OUTPUT) console.log(`test output kept in ${out}`);
    else if (dir) removeDir(dir);
  });

  test("pageHtml() over the §7 API: the DAG shows every pipeline and repo of the three-stage example, coloured by state", async () => {
    await page.waitForFunction((n) => document.querySelectorAll("#dag [data-node]").length === n, EXPECTED_NODES.length);
    const nodes = await page.$$eval("#dag [data-node]", (els) => els.map((e) => e.getAttribute("data-node")!));
    expect(nodes.sort()).toEqual(EXPECTED_NODES);
    const classOf = (id: string) => page.getAttribute(`#dag [data-node="${id}"]`, "class");
    expect(await classOf("pipeline:words")).toContain("st-failing");
    expect(await classOf("pipeline:count")).toContain("st-success"); // words made no commit: count did not run again
    expect(await page.$$eval(".card[data-pipeline]", (els) => els.map((e) => e.getAttribute("data-pipeline")))).toEqual(["count", "top", "words"]);
    expect(errors).toEqual([]);
  });

  test("a failed datum's reason and log tail appear under Failed datums", async () => {
    const log = page.locator(`#failures .failure[data-job="${failedJob.id}"] pre.log`);
    await log.waitFor({ timeout: 10_000 });
    expect(await log.textContent()).toContain("cannot split bad.txt: it says BAD");
    expect(await page.textContent(`#failures .failure[data-job="${failedJob.id}"] .inputs`)).toBe("text:/bad.txt");
    expect(api.requests).toContainEqual(expect.stringMatching(new RegExp(`^/api/v1/jobs/${failedJob.id}/datums\\?state=failed$`)));
    expect(errors).toEqual([]);
  });

  test("the repo browser opens a repo, its newest commit's files, and downloads a file", async () => {
    await page.click('#browser button[data-repo="top"]');
    const link = page.locator('#file-list a[download="top.txt"]');
    await link.waitFor({ timeout: 10_000 });
    const res = await page.request.get(new URL((await link.getAttribute("href"))!, api.url).href);
    const head = await t.app.repos.branchHead("top", "master");
    const bytes = await t.app.repos.lookup(head!, "/top.txt");
    expect(await res.text()).toBe(Buffer.from(await t.app.store.read(bytes!.hash)).toString());
    expect(await res.text()).toStartWith("3 the\n");
    expect(errors).toEqual([]);
  });

  test("the page fits 390 px wide with no horizontal scroll; screenshots desktop and phone", async () => {
    await page.screenshot({ path: path.join(out, "status-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300); // the resize redraws the DAG top to bottom
    const fit = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(fit.scroll).toBeLessThanOrEqual(fit.view);
    const dag = await page.evaluate(() => document.querySelector("#dag svg")!.getBoundingClientRect().width);
    expect(dag).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(out, "status-phone.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: path.join(out, "status-phone-dark.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
    expect(fs.statSync(path.join(out, "status-desktop.png")).size).toBeGreaterThan(10_000);
    expect(fs.statSync(path.join(out, "status-phone.png")).size).toBeGreaterThan(10_000);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(errors).toEqual([]);
  });

  test("a job started now shows its progress live from SSE job events, without a reload", async () => {
    await page.evaluate(() => {
      const w = window as unknown as { seen: string[]; running: boolean; samePage: boolean };
      w.seen = [];
      w.running = false;
      w.samePage = true;
      new MutationObserver(() => {
        const count = document.querySelector('[data-pipeline="words"] .pcount')?.textContent;
        if (count && w.seen.at(-1) !== count) w.seen.push(count);
        if (document.querySelector('#dag [data-node="pipeline:words"].st-running')) w.running = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    fs.writeFileSync(path.join(dir, "delay"), "0.4");
    await putText(t.app.repos, "text", "/bad.txt", "this one is fine now\n", { overwrite: true });
    for (const name of ["d", "e", "f", "g"]) await putText(t.app.repos, "text", `/${name}.txt`, `more words in ${name}\n`);
    const run = runOnce(t.app, { names: [], reprocess: false, observer: api.observer });
    await page.waitForSelector('[data-pipeline="words"] .progress', { timeout: 10_000 });
    await page.screenshot({ path: path.join(out, "status-live.png"), fullPage: true });
    const res = await run;
    expect(res.failed).toBeFalsy();
    const words = (await listJobs(t.app.db, { pipeline: "words", limit: 1 }))[0]!;
    expect((await getJob(t.app.db, words.id))!.state).toBe("success");
    await page.waitForSelector(`[data-pipeline="words"] .tl-row[data-job="${words.id}"] .tl-state.js-ok`, { timeout: 10_000 });
    await page.waitForSelector('#dag [data-node="pipeline:top"].st-success', { timeout: 10_000 });
    const seen = await page.evaluate(() => {
      const w = window as unknown as { seen: string[]; running: boolean; samePage: boolean };
      return { seen: w.seen, running: w.running, samePage: w.samePage };
    });
    // 3 of 8 datums are skipped (unchanged), 5 run one at a time: 3/8, 4/8, ... as they finish.
    expect(seen.seen.length).toBeGreaterThanOrEqual(3);
    const done = seen.seen.map((s) => Number(/^(\d+)\/8$/.exec(s)?.[1]));
    expect(done.every((n) => n >= 3 && n <= 8)).toBe(true);
    expect([...done].sort((a, b) => a - b)).toEqual(done);
    expect(seen.running).toBe(true);
    expect(seen.samePage).toBe(true);
    expect(await page.locator("#failures .failure").count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  test("calf report's file opens from disk: the DAG, the failed job's log tail, fits 390 px", async () => {
    const file = path.join(out, "report.html");
    fs.writeFileSync(file, reportHtml(await collectReport(t.app, failedJob)));
    const phone = await browser.newPage();
    const own: string[] = [];
    phone.on("console", (m) => m.type() === "error" && own.push(m.text()));
    phone.on("pageerror", (e) => own.push(e.message));
    phone.on("request", (r) => !r.url().startsWith("file:") && !r.url().startsWith("data:") && own.push(`fetched ${r.url()}`));
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`file://${file}`);
    expect((await phone.$$eval("svg.dag [data-node]", (els) => els.map((e) => e.getAttribute("data-node")!))).sort()).toEqual(EXPECTED_NODES);
    expect(await phone.getAttribute('svg.dag [data-node="pipeline:words"]', "class")).toContain("focus");
    expect(await phone.textContent(`.job[data-job="${failedJob.id}"] pre.log`)).toContain("cannot split bad.txt: it says BAD");
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await phone.screenshot({ path: path.join(out, "report-phone.png"), fullPage: true });
    await phone.close();
    expect(own).toEqual([]);
  });
});
