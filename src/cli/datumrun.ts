// `calf datum run JOB DATUM [--shell] [--keep]`: a datum of a past job set up
// again in a temp folder (ops/reproduce.ts) and run once, its output shown
// and nothing committed; or an interactive shell in its world.
import * as fs from "node:fs";
import * as path from "node:path";
import type { App } from "../app.ts";
import { outputFiles, prepare, shellCommand, type Reproduction } from "../ops/reproduce.ts";
import { datumOwner } from "../transform/orphans.ts";
import type { LogSink } from "../transform/logs.ts";
import { bool } from "./args.ts";
import type { Command } from "./command.ts";
import { requireDatum } from "./jobs.ts";
import { humanBytes, printable, printJson, short } from "./output.ts";
import { requirePipeline } from "./pipelines.ts";

/** The transform's lines, live: stdout to stdout (to stderr with -o json, which owns stdout), stderr to stderr; control characters escaped. */
function liveSink(app: App): LogSink {
  return {
    line: (stream, text) => (stream === "out" && !app.out.json ? app.out.write(`${printable(text)}\n`) : app.out.warn(printable(text))),
    flush: () => {},
    tail: () => "",
    close: () => {},
  };
}

async function runOnce(app: App, r: Reproduction, timeoutMs: number | null, owner: { job: string; datum: string }, accept: number[]): Promise<number> {
  const stop = new AbortController();
  const off = app.rt.onSignal("SIGINT", () => stop.abort());
  let ended;
  try {
    ended = await r.slot.run({
      argv: r.argv, env: r.env, cwd: r.cwd, stdin: r.stdin, timeoutMs: timeoutMs ?? undefined, signal: stop.signal,
      log: liveSink(app), owner: datumOwner(owner.job, owner.datum),
    });
  } finally {
    off();
  }
  const ok = ended.exitCode !== null && (ended.exitCode === 0 || accept.includes(ended.exitCode));
  const how = ended.timedOut ? `timed out after ${timeoutMs} ms` : ended.exitCode === null ? `killed by ${ended.signal ?? "a signal"}` : `exit ${ended.exitCode}`;
  const outs = outputFiles(r.slot.outDir);
  if (app.out.json) {
    printJson(app.out, { job: owner.job, datum: owner.datum, exit_code: ended.exitCode, signal: ended.signal, timed_out: !!ended.timedOut, ok, outputs: outs.map((o) => ({ path: o.path, size_bytes: o.size })) });
  } else {
    app.out.warn(`calf: datum ${short(owner.datum)}: ${how}${ok ? "" : " (the datum fails)"}; ${outs.length} output file${outs.length === 1 ? "" : "s"}${outs.length ? `: ${outs.slice(0, 10).map((o) => `${printable(o.path)} (${humanBytes(o.size)})`).join(", ")}${outs.length > 10 ? ` and ${outs.length - 10} more` : ""}` : ""}; nothing was committed`);
  }
  if (stop.signal.aborted) return 130;
  return ok ? 0 : 1;
}

async function datumRun(app: App, jobArg: string, datumArg: string, opts: { shell: boolean; keep: boolean }): Promise<number> {
  const { j, d } = await requireDatum(app, jobArg, datumArg);
  const p = await requirePipeline(app, j.pipeline);
  if (p.version !== j.version) app.out.warn(`calf: notice: ${p.name} is at version ${p.version} now, job ${short(j.id)} ran version ${j.version}: this runs the transform as it is now`);
  const dir = fs.mkdtempSync(path.join(app.host.env.TMPDIR || "/tmp", `calf-datum-${short(d.id)}-`));
  let r: Reproduction | null = null;
  try {
    r = await prepare(app, p.spec, j, d, dir);
    if (!r.recut) app.out.warn(`calf: notice: the input spec of ${p.name} no longer cuts this datum; its inputs are rebuilt from the job's record (no join or group keys)`);
    const where = r.slot.sandboxed ? `in a sandbox, with /pfs from ${r.slot.pfsDir}` : `without a sandbox: /pfs is ${r.slot.pfsRoot} (PFS_ROOT)`;
    app.out.info(`datum ${short(d.id)} of job ${short(j.id)} (${p.name}): ${r.inputs.map((i) => `${i.name}=${i.repo}@${short(i.commit)}:${i.path}`).join(", ")}; ${where}`);
    if (!opts.shell) return await runOnce(app, r, p.spec.datumTimeoutMs, { job: j.id, datum: d.id }, p.spec.transform.acceptReturnCode);
    const sh = shellCommand(r, app.host.env.SHELL || "/bin/sh");
    app.out.info(`the transform: ${printable(sh.env.CALF_TRANSFORM!)}\nrun it with: eval "$CALF_TRANSFORM"; outputs go to ${r.slot.sandboxed ? "/pfs/out" : r.slot.outDir}; exit the shell to end${opts.keep ? "" : " (the folder is removed; --keep keeps it)"}`);
    // Ctrl-C belongs to the shell (same process group): calf must not die of it.
    const off = app.rt.onSignal("SIGINT", () => {});
    try {
      const res = await app.rt.spawnInteractive({ argv: sh.argv, cwd: r.cwd, env: sh.env });
      return res.exitCode ?? 1;
    } finally {
      off();
    }
  } finally {
    await r?.slot.close();
    if (opts.keep) app.out.info(`kept ${dir}: inputs in ${path.join(dir, "pfs")}, outputs in ${path.join(dir, "pfs", "out")}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const datumRunCommands: Command[] = [
  {
    words: ["datum", "run"], usage: "datum run JOB DATUM [--shell] [--keep]", summary: "set a datum up again in a temp folder and run it once (or open a shell there)",
    details: [
      "Copies the datum's input files, as the job read them, into a new folder under $TMPDIR (or /tmp), sets the transform's environment (PFS_ROOT, the input variables, PACH_JOB_ID, PACH_DATUM_ID, transform.env), and runs the pipeline's transform once in the sandbox the runner would use: its stdout and stderr are shown as they come, then its exit status and output files. Nothing is committed or recorded, and the folder is removed afterwards unless --keep.",
      "With --shell, opens $SHELL (or /bin/sh) there instead, with the same environment: the inputs at /pfs (read-only, in the sandbox) or at $PFS_ROOT (without one), and the transform's command line in $CALF_TRANSFORM (run it with eval \"$CALF_TRANSFORM\").",
      "Exit 0 when the transform succeeded, 1 when the datum would fail, 130 on Ctrl-C; with --shell, the shell's exit status.",
    ].join("\n\n"),
    flags: { shell: "bool", keep: "bool" },
    flagHelp: { shell: "open an interactive shell in the datum's folder and environment instead of running the transform", keep: "keep the folder (inputs and outputs) afterwards and print where it is" },
    examples: [
      "calf datum run 3fa9c2d1 8be0f1a2  # run the failed datum again and watch it",
      "calf datum run 3fa9c2d1 8be0f1a2 --shell  # poke around in /pfs with its environment",
      "calf datum run 3fa9c2d1 8be0f1a2 --keep -o json",
    ],
    minArgs: 2, maxArgs: 2, mode: "read",
    run: (app, p) => datumRun(app, p.args[0]!, p.args[1]!, { shell: bool(p.flags, "shell"), keep: bool(p.flags, "keep") }),
  },
];
