// The non-calf ways to run `tr a-z A-Z < in > out` once per file with two at
// a time. Each does exactly one `sh -c` and one `tr` per file (make's recipe
// goes through /bin/sh because of the redirections; Snakemake is told to use
// /bin/sh with no prefix instead of `bash -euo pipefail`).
import * as fs from "node:fs";
import * as path from "node:path";
import { run, type Ran, type RunOptions } from "./measure.ts";

/** Plain bash: start jobs in a loop, never more than two running (`wait -n`). */
export function bashLoop(inDir: string, outDir: string, opts?: RunOptions): Ran {
  const script = [
    "n=0",
    'for f in "$1"/*; do',
    '  if [ "$n" -ge 2 ]; then wait -n; n=$((n-1)); fi',
    `  sh -c 'tr a-z A-Z < "$1" > "$2/\${1##*/}"' _ "$f" "$2" &`,
    "  n=$((n+1))",
    "done",
    "wait",
  ].join("\n");
  return run(["bash", "-c", script, "_", inDir, outDir], opts);
}

/** `xargs -P2 -n1 sh -c ...` over NUL-separated names from find. */
export function xargsP2(inDir: string, outDir: string, opts?: RunOptions): Ran {
  const script = `find "$1" -maxdepth 1 -type f -print0 | OUT="$2" xargs -0 -P2 -n1 sh -c 'tr a-z A-Z < "$1" > "$OUT/\${1##*/}"' _`;
  return run(["sh", "-c", script, "_", inDir, outDir], opts);
}

/**
 * The batched floor: `xargs -P2 -n256`, one `sh` per 256 files looping over
 * them with one `tr` each (as a batched calf transform does per slot).
 */
export function xargsP2Batched(inDir: string, outDir: string, opts?: RunOptions): Ran {
  const script = `find "$1" -maxdepth 1 -type f -print0 | OUT="$2" xargs -0 -P2 -n256 sh -c 'for f; do tr a-z A-Z < "$f" > "$OUT/\${f##*/}"; done' _`;
  return run(["sh", "-c", script, "_", inDir, outDir], opts);
}

/** A Makefile with one pattern rule; run with `make -r -j2 -s` (no built-in rules, no echo). */
export function writeMakefile(file: string, inDir: string, outDir: string): void {
  fs.writeFileSync(
    file,
    [
      `IN := ${inDir}`,
      `OUT := ${outDir}`,
      "OUTS := $(patsubst $(IN)/%,$(OUT)/%,$(wildcard $(IN)/*))",
      ".PHONY: all",
      "all: $(OUTS)",
      "$(OUT)/%: $(IN)/%",
      "\ttr a-z A-Z < '$<' > '$@'",
      "",
    ].join("\n"),
  );
}

export function make(makefile: string, opts?: RunOptions): Ran {
  return run(["make", "-r", "-j2", "-s", "-f", makefile], { cwd: path.dirname(makefile), ...opts });
}

/** `make -q`: exit 0 when everything is up to date, 1 when something would be rebuilt. */
export function makeIsUpToDate(makefile: string): boolean {
  return run(["make", "-r", "-q", "-f", makefile], { cwd: path.dirname(makefile), okCodes: [1] }).code === 0;
}

export function writeSnakefile(file: string): void {
  fs.writeFileSync(
    file,
    [
      "import os",
      'shell.executable("/bin/sh")',
      'shell.prefix("")',
      'IN = config["in"]',
      'OUT = config["out"]',
      "NAMES = sorted(os.listdir(IN))",
      "rule all:",
      '    input: [OUT + "/" + n for n in NAMES]',
      "rule up:",
      '    input: IN + "/{name}"',
      '    output: OUT + "/{name}"',
      '    shell: "tr a-z A-Z < {input:q} > {output:q}"',
      "",
    ].join("\n"),
  );
}

/**
 * `snakemake -j2` with the greedy scheduler (the default ILP scheduler was
 * about 4x slower on 1,000 jobs here, so greedy is the stronger baseline).
 * Its metadata (.snakemake/) lives in the Snakefile's folder.
 */
export function snakemake(snakefile: string, inDir: string, outDir: string, extra: string[] = [], opts?: RunOptions): Ran {
  const dir = path.dirname(snakefile);
  return run(
    ["snakemake", "-j2", "--scheduler", "greedy", "--quiet", "-s", snakefile, "-d", dir, "--config", `in=${inDir}`, `out=${outDir}`, ...extra],
    { cwd: dir, ...opts },
  );
}
