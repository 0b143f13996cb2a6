// Renders the results as Markdown (printed and written to bench/RESULTS.md).
// Pure: values in, text out.
import { median } from "./measure.ts";
import type { Machine } from "./machine.ts";
import type { Figure, Results, Target } from "./results.ts";

export interface Header {
  mode: string;
  sandbox: string;
  elapsedMs: number;
  runs: number;
  budgetMs: number;
}

function num(v: number, unit: Figure["unit"]): string {
  if (!Number.isFinite(v)) return "?";
  switch (unit) {
    case "ms":
      return v < 10 ? `${v.toFixed(1)} ms` : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
    case "MB/s":
      return `${v.toFixed(v < 10 ? 1 : 0)} MB/s`;
    case "MB":
      return `${v.toFixed(0)} MB`;
    case "count":
      return String(v);
    case "/s":
      return `${Math.round(v)}/s`;
  }
}

export function cell(f: Figure): string {
  if (f.failed) return f.failed.startsWith("failed") ? f.failed : `failed: ${f.failed}`;
  if (f.skipped) return "n/a";
  if (!f.samples.length) return "not measured";
  let s = `**${num(median(f.samples), f.unit)}**`;
  if (f.samples.length > 1) s += ` (${num(Math.min(...f.samples), f.unit)}–${num(Math.max(...f.samples), f.unit)})`;
  if (f.samples.length < f.planned) s += ` n=${f.samples.length}*`;
  return s;
}

function judge(t: Target): string {
  return t.pass === null ? "—" : t.pass ? "pass" : "**FAIL**";
}

function esc(s: string): string {
  return s.replace(/\|/g, "\\|");
}

function table(name: string, figs: Figure[]): string[] {
  const cols = [...new Set(figs.map((f) => f.col))];
  const rows = [...new Set(figs.map((f) => f.row))];
  const out = [`### ${name}`, ""];
  const notes = new Map<string, string[]>();
  const noteOf = (f: Figure) => {
    const why = f.skipped ?? f.note;
    if (why) notes.set(why, [...(notes.get(why) ?? []), cols.length > 1 ? `${f.col}` : f.row.trim()]);
  };
  if (cols.length === 1) {
    out.push("| figure | median (min–max) |", "|---|---|");
    for (const f of figs) {
      out.push(`| ${esc(f.row)} | ${esc(cell(f))} |`);
      noteOf(f);
    }
  } else {
    out.push(`| | ${cols.map(esc).join(" | ")} |`, `|---|${cols.map(() => "---").join("|")}|`);
    for (const row of rows) {
      const cells = cols.map((c) => {
        const f = figs.find((x) => x.row === row && x.col === c);
        if (f) noteOf(f);
        return f ? esc(cell(f)) : "";
      });
      out.push(`| ${esc(row.replace(/^ +/, "↳ "))} | ${cells.join(" | ")} |`);
    }
  }
  if (notes.size) {
    out.push("");
    for (const [why, who] of notes) out.push(`- ${[...new Set(who)].join(", ")}: ${why}`);
  }
  out.push("");
  return out;
}

const METHOD = [
  "Every tool runs `tr a-z A-Z < in > out` once per file, two at a time, with one `sh -c` and one `tr` process per file:",
  "a bash loop (`wait -n` keeps two jobs running); `find | xargs -0 -P2 -n1 sh -c '…'`; `make -r -j2 -s` with one pattern rule",
  "(`-r`: no built-in implicit rules); `snakemake -j2 --scheduler greedy` with `shell.executable(\"/bin/sh\")` and no prefix",
  "(greedy was about 4× faster than the default ILP scheduler on 1,000 jobs here); and calf: `put file data@master:/ -f DIR -r`",
  "then `run --once` of a pipeline with `cmd: [sh, -c, 'tr a-z A-Z < \"$data\" > \"/pfs/out/${data##*/}\"']`, glob `/*`,",
  "`parallelism_spec: {constant: 2}`, in a fresh data dir per series (absolute paths, the caller's environment).",
  "",
  "- Wall time is `performance.now()` around a synchronous spawn of each command; `sync` runs (untimed) before writes are measured.",
  "- Each round runs every tool once (interleaved); a figure is the median of its rounds, ratios compare medians of this run.",
  "- Outputs are checked after every cold and one-change run: a SHA-256 over (path, size, bytes) of all output files must equal the",
  "  digest of `tr a-z A-Z` computed in the harness; calf's output is fetched with `get file up@master:/ -r | tar -x`. Any difference stops the suite.",
  "- Cold: empty output folder (make, Snakemake: also no `.snakemake/`); calf: new data dir, `create repo` untimed, put + run timed.",
  "  Every tool's previous outputs are deleted at the start of the round, not just before its own run: this VM's ext4 is mounted",
  "  with `discard`, and a durable write right after deleting 20k files paid for their discards (calf's put: ~2 s instead of ~0.7 s).",
  "- No-op: rerun with nothing changed; calf `run --once` must create no job. \"Re-put\" is `put file -r --overwrite` of the unchanged folder + `run --once` (0 datums processed).",
  "- One change: one file's bytes changed, another file only `touch`ed; make and Snakemake rebuild both; calf re-puts the folder",
  "  (`--overwrite`) and runs, and `list job -o json` must show `.[0].datums.processed == 1`.",
  "- Ingest: `put file -r` into a fresh repo vs `cp -r` of the same folder. Plan: `calf plan up -o json` on a repo holding the files, glob `/*`.",
  "- No-op at 100k: make's outputs are written by the harness (newer than the inputs; `make -q` confirms up to date) instead of a",
  "  100k-file make run; calf's state comes from one cold run of the pipeline named in the table.",
  "- Snakemake runs only up to N = 1k by default (`--snakemake-max`): at 10k its DAG build alone took about 30 s here and the",
  "  cold run managed a few jobs per second, far past the suite's 15-minute limit.",
  "- calf's `-o json` output is read from a file (an early build cut output to a pipe short at 128–192 KiB; fixed: calf",
  "  now lets stdout drain before it exits).",
  "- Targets are judged at N = 10k as issue 4 sets them (and for --quick); N = 1k ratios are reported, since two process",
  "  start-ups (25–40 ms each) dominate them.",
  "- The load average at start is in the machine table: other work on the machine (the suite does not stop it) widens the ranges.",
  "- Spout: `spout: {}` pipeline whose transform is `cat \"$TARS\"/*.tar > /pfs/out`; each archive must become one commit with its files;",
  "  the baseline is `tar -xf` of each archive into an empty folder. Throughput counts file bytes (MB = 10^6 bytes).",
  "- Serve (bench/serve.ts): `calf serve` with a one-datum-per-file pipeline; 40 rounds of a `put file` process (timed from its",
  "  spawn) or an API PUT (timed from its 201 answer) until `/api/v1/events` says the downstream job is running; then autocannon at",
  "  a fixed 500 requests/s (10 connections, 10 s) on `GET /api/v1/jobs` while a 10k-datum job runs, with the job's datum rate",
  "  over 4 s before and during the load (both cores are shared by calf, its transforms and autocannon).",
];

export function render(h: Header, m: Machine, r: Results): string {
  const mins = Math.floor(h.elapsedMs / 60_000);
  const secs = Math.round((h.elapsedMs % 60_000) / 1000);
  const out = [
    "# calf benchmarks",
    "",
    `Written by \`npm run bench\` (bench/run.ts), ${h.mode}, ${m.date}. Suite wall time ${mins} min ${secs} s` +
      (h.budgetMs > 0 ? ` (budget ${Math.round(h.budgetMs / 60_000)} min).` : "."),
    `Figures are medians of ${h.runs} round(s) (min–max); \`n=k*\` marks a figure cut short by the time budget.`,
    "",
    "## Machine and tools",
    "",
    "| | |",
    "|---|---|",
    `| CPU | ${esc(m.cpu)}, ${m.cores} cores |`,
    `| memory | ${m.memory} |`,
    `| kernel | ${esc(m.kernel)} |`,
    `| load average at start (1 / 5 / 15 min) | ${m.load} |`,
    `| calf sandbox | ${esc(h.sandbox)} |`,
    ...m.versions.map(([k, v]) => `| ${esc(k)} | ${esc(v)} |`),
    "",
    "## Targets",
    "",
    "| target | measured | goal | result |",
    "|---|---|---|---|",
    ...r.targets.map((t) => `| ${esc(t.name)} | ${esc(t.measured)} | ${esc(t.goal)} | ${judge(t)} |`),
    "",
    "## Figures",
    "",
  ];
  const names = [...new Set(r.figures.map((f) => f.table))];
  for (const n of names) out.push(...table(n, r.figures.filter((f) => f.table === n)));
  if (r.notes.length || r.failures.length) {
    out.push("## Notes", "", ...r.failures.map((f) => `- **failed:** ${f}`), ...r.notes.map((n) => `- ${n}`), "");
  }
  out.push("## Method", "", ...METHOD, "");
  return out.join("\n");
}
