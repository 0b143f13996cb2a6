// calf lint and calf plan (SPEC §2.2): what the specs folder says, and what a
// run would do with it, without changing anything.
import * as path from "node:path";
import type { App } from "../app.ts";
import { getPipeline } from "../db/queries/pipelines.ts";
import { notFound } from "../errors.ts";
import { topoOrder, upstreamRepos } from "../spec/graph.ts";
import { loadFolder } from "../spec/load.ts";
import { suggest } from "../spec/suggest.ts";
import type { PipelineSpec, SpecIssue } from "../spec/types.ts";
import { saltOf } from "../run/fingerprint.ts";
import { heads } from "../run/inputs.ts";
import { planFull } from "../run/planning.ts";
import type { PlanItem } from "../run/items.ts";
import { displayPath, loadSpecs, SpecErrors } from "../run/sync.ts";
import { versionHash } from "../run/version.ts";
import type { Command } from "./command.ts";
import { printJson, printTable, short, type Out } from "./output.ts";

export const planCommands: Command[] = [
  {
    words: ["lint"], usage: "lint [FILE...]", summary: "validate pipeline specs without touching data (exit 2 on any error)",
    details: [
      "Checks YAML and schema errors, unknown fields, unknown input repos (with \"did you mean\"), duplicate",
      "names, cycles, bad globs and bad cron specs, and reports every problem at once as",
      "file:line:col: field.path: message (hint). Repos are looked up in the data dir when there is one.",
      "With -o json: an array of {file, line, col, path, message, hint, severity}.",
    ].join("\n"),
    flags: {}, mode: "none",
    examples: ["calf lint", "calf lint pipelines/edges.yaml", "calf lint -o json | jq -r '.[] | select(.severity == \"error\") | .file'"],
    async run(ctx, p) {
      const app = await ctx.openData();
      const existingRepos = app ? await app.repos.repoNames() : [];
      const files = p.args.length ? p.args.map((f) => path.resolve(ctx.cwd, f)) : undefined;
      const res = await loadFolder(ctx.settings.pipelinesDir, { existingRepos, files });
      if (ctx.out.json) {
        printJson(ctx.out, [...res.issues.map((i) => diagnostic(i, "error", ctx.cwd)), ...res.warnings.map((i) => diagnostic(i, "notice", ctx.cwd))]);
        return res.issues.length ? 2 : 0;
      }
      if (res.issues.length) throw new SpecErrors(res.issues, ctx.cwd);
      for (const n of res.notices) ctx.out.info(`calf: notice: ${n}`);
      ctx.out.info(`${res.specs.length} pipeline spec${res.specs.length === 1 ? "" : "s"} OK`);
      return 0;
    },
  },
  {
    words: ["plan"], usage: "plan [PIPELINE...]", summary: "dry run: datums a run would process, skip and remove, and why",
    details: [
      "Changes nothing. A pipeline whose upstream pipeline has work to do \"waits for upstream\": its own plan",
      "is against the upstream's current output, which that work will change.",
    ].join("\n"),
    flags: {}, mode: "read",
    examples: ["calf plan", "calf plan edges -o json | jq '.[0].datums'"],
    async run(app, p) {
      const { specs } = await loadSpecs(app);
      // Every name is checked before anything is printed; then one pipeline is planned and printed at a time.
      const picked = (p.args.length ? p.args : specs.map((s) => s.name)).map((name) => {
        const spec = specs.find((s) => s.name === name);
        if (spec) return spec;
        const close = suggest(name, specs.map((s) => s.name));
        throw notFound(`pipeline "${name}" does not exist`, close ? `did you mean "${close}"?` : "list pipelines with: calf list pipeline");
      });
      const shown = new Set(picked.map((s) => s.name));
      /** Pipelines whose output the next run changes (or may: they wait for their own upstream). */
      const changing = new Set<string>();
      if (app.out.json) app.out.write("[");
      let printed = 0;
      for (const spec of withUpstream(specs, picked)) {
        if (spec.spout) continue;
        const waitsFor = upstreamRepos(spec.input).filter((r) => changing.has(r));
        const items = await planItemsOf(app, spec);
        const n = { process: 0, skip: 0, remove: 0 };
        for (const i of items) n[i.action]++;
        if (n.process || n.remove || waitsFor.length) changing.add(spec.name);
        if (!shown.has(spec.name)) continue;
        const datums = { total: items.length - n.remove, ...n };
        if (app.out.json) {
          // The plan's leftovers are garbage by now: collect them before the output adds its own.
          if (items.length >= BIG_PLAN) app.rt.gc();
          writePlanJson(app.out, printed === 0, spec.name, datums, waitsFor, items);
        } else {
          const counts = `${n.process} to process, ${n.skip} to skip, ${n.remove} to remove`;
          app.out.write(waitsFor.length
            ? `${spec.name}: waits for upstream ${waitsFor.join(", ")}; against ${waitsFor.length > 1 ? "their" : "its"} current output: ${counts}\n`
            : `${spec.name}: ${counts}\n`);
          printTable(app.out, ["DATUM", "ACTION", "REASON", "PATHS"], items.filter((i) => i.action !== "skip").map((i) => [short(i.id), i.action, i.reason, i.paths.join(" ")]));
        }
        printed++;
      }
      if (app.out.json) app.out.write("\n]\n");
      return 0;
    },
  },
];

/** A plan this big asks for a GC before its output is written (as planJob does between its phases). */
const BIG_PLAN = 20_000;

/** What a run of `spec` would do now, as the runner would plan it (with the --reprocess count of its row, if it has one). */
async function planItemsOf(app: App, spec: PipelineSpec): Promise<PlanItem[]> {
  const sha256 = (s: string | Uint8Array) => app.rt.sha256(s);
  const nonce = (await getPipeline(app.db, spec.name))?.reprocessNonce ?? 0;
  const salt = saltOf(versionHash(spec, sha256), nonce, sha256);
  const hs = await heads(app.repos, spec.input);
  return (await planFull({ app, name: spec.name, spec, heads: hs, salt, reprocess: false }, { reasons: true })).items;
}

/**
 * One pipeline's entry of `plan -o json` (SPEC §2.3), written a thousand items
 * at a time: a 100k-datum plan as one string would double the peak memory.
 */
function writePlanJson(out: Out, first: boolean, pipeline: string, datums: Record<string, number>, waitsFor: string[], items: PlanItem[]): void {
  out.write(`${first ? "" : ","}\n  ${JSON.stringify({ pipeline, datums, waits_for: waitsFor }).slice(0, -1)}, "items": [`);
  for (let k = 0; k < items.length; k += 1000) {
    let text = "";
    for (let j = k; j < Math.min(k + 1000, items.length); j++) {
      const { id, action, reason, paths } = items[j]!;
      text += `${j ? "," : ""}\n    ${JSON.stringify({ id, action, reason, paths })}`;
    }
    out.write(text);
  }
  out.write("\n  ]}");
}

/** `picked` and every pipeline upstream of them, in run order (upstream first). */
function withUpstream(specs: PipelineSpec[], picked: PipelineSpec[]): PipelineSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const need = new Set<string>();
  const visit = (s: PipelineSpec) => {
    if (need.has(s.name)) return;
    need.add(s.name);
    for (const r of upstreamRepos(s.input)) if (byName.has(r)) visit(byName.get(r)!);
  };
  picked.forEach(visit);
  return topoOrder(specs).filter((n) => need.has(n)).map((n) => byName.get(n)!);
}

/** A lint diagnostic of `lint -o json`. */
const diagnostic = (i: SpecIssue, severity: "error" | "notice", cwd: string) =>
  ({ file: displayPath(i.file, cwd), line: i.line, col: i.col, path: i.path, message: i.message, hint: i.hint ?? null, severity });
