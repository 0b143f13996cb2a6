// The runner commands (SPEC §2.2): `run --once` for cron, `run` and `serve` as
// a service. One runner per data dir holds the runner lock; data commands
// work meanwhile. SIGTERM/SIGINT stop cleanly: no new datums, running
// transforms get SIGTERM (SIGKILL after the grace), the job is recorded
// `killed` ("stopped by SIGTERM"), nothing started outlives the runner.
import { CalfError } from "../errors.ts";
import { runOnce } from "../run/scheduler.ts";
import { bool, int } from "./args.ts";
import type { Command } from "./command.ts";
import { openRunner, serviceLoop, Stopped } from "./runner.ts";
import { serveCommand } from "./serve.ts";

export const runCommands: Command[] = [
  {
    words: ["run"], usage: "run [--once] [PIPELINE...] [--reprocess] [--parallelism N]",
    summary: "run every due job in DAG order (--once: then exit; for cron)",
    details: [
      "Re-reads the pipelines folder, fires due cron ticks, runs spouts and every due job in DAG order.",
      "Naming pipelines limits the run to them (their upstream is not run). Without --once, keeps",
      "running what becomes due (a put file, a spec change, a cron tick) until SIGTERM or Ctrl-C: calf",
      "serve without the HTTP API. One runner per data dir (exit 75 if another runs); data commands",
      "work meanwhile. Exit 1 if a job failed; an interrupted run --once exits 130 (SIGINT) or 143 (SIGTERM).",
    ].join("\n"),
    flags: { once: "bool", reprocess: "bool", parallelism: "string" },
    flagHelp: {
      once: "run what is due, then exit (for crontab)",
      reprocess: "redo every datum of the named pipelines once (a new salt)",
      parallelism: "N: datums run at once per job (default: the spec's, else the number of CPUs)",
    },
    examples: ["calf run --once", "calf run --once edges --reprocess", "calf run --quiet           # as a service"],
    mode: "runner", createsData: true,
    async run(app, p) {
      const opts = { names: p.args, reprocess: bool(p.flags, "reprocess"), parallelism: int(p.flags, "parallelism") };
      const s = await openRunner(app);
      try {
        if (!bool(p.flags, "once")) {
          app.out.info("calf run: watching for new commits and spec changes (Ctrl-C to stop)");
          await serviceLoop(app, s, opts);
          return 0;
        }
        const res = await runOnce(app, { ...opts, observer: s.observer, signal: s.signal });
        const why = s.signal.reason;
        if (why instanceof CalfError) throw why; // the runner lease was lost
        if (why instanceof Stopped) return why.signal === "SIGINT" ? 130 : 143;
        if (!res.jobs.length && !res.failed) app.out.info("nothing to do: every pipeline is up to date");
        return res.failed ? 1 : 0;
      } finally {
        await s.close();
      }
    },
  },
  serveCommand,
];
