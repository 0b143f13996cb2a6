// Operations commands (SPEC §2.2.1): fsck and gc. Both open the data dir
// without the runner lock: they run beside a runner or a put (gc's grace
// period and atomic deletes make that safe; see src/ops/gc.ts).
import type { App } from "../app.ts";
import { failed, usageError } from "../errors.ts";
import { fsck, type FsckReport } from "../ops/fsck.ts";
import { DEFAULT_GRACE_MS, gc, type GcReport, type Tally } from "../ops/gc.ts";
import { parseDuration } from "../cron/duration.ts";
import { bool, str, type Parsed } from "./args.ts";
import type { Command } from "./command.ts";
import { humanBytes, printJson, printable, type Out } from "./output.ts";

function graceOf(flags: Parsed["flags"]): number {
  const text = str(flags, "grace");
  if (text === undefined) return DEFAULT_GRACE_MS;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw usageError(`--grace: ${(err as Error).message}`, 'e.g. --grace 30m, or --grace 0s when nothing else uses the data dir');
  }
  if (ms < 0) throw usageError(`--grace: "${text}" is negative`, "give a duration such as 30m or 0s");
  return ms;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const sized = (t: Tally, one: string, many?: string) => `${plural(t.count, one, many)} (${humanBytes(t.bytes)})`;
const duration = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

export const opsCommands: Command[] = [
  {
    words: ["fsck"], usage: "fsck [--repair] [--quick] [--grace DURATION]",
    summary: "verify the database, every referenced object against its hash, branch heads; report what nothing references",
    details: [
      "Checks the database (SQLite's integrity check); that every object a commit (open or finished), a spout",
      "marker or a cached datum result references exists, has its recorded size and hashes to its name (re-read",
      "in full unless --quick); that every tree node hashes to its name; that branch heads are finished commits",
      "of their repo, parents, markers and successful jobs name commits that exist, and each datum index",
      "describes a successful job whose output holds its paths. Each problem is one \"problem:\" line naming the",
      "object and the repo, commit and path (or marker, or cached result) that uses it; exit 1 if there is any.",
      "Also reports unreferenced objects and leftover temp files and scratch folders (not problems: calf gc",
      "removes them). --repair removes those, exactly as gc does, and nothing that anything references.",
      "Safe while a runner or a put runs; takes no lock.",
    ].join("\n"),
    flags: { repair: "bool", quick: "bool", grace: "string" },
    flagHelp: {
      repair: "remove unreferenced objects (older than --grace) and leftover temp files and scratch folders",
      quick: "check that objects exist with their recorded size, without re-reading them",
      grace: "DURATION: unreferenced objects stored or reused this recently are young: --repair keeps them (default 1h)",
    },
    examples: ["calf fsck", "calf fsck --quick -o json | jq '.problems[].message'", "calf fsck --repair --grace 0s   # nothing else runs"],
    maxArgs: 0, mode: "read",
    async run(app, p) {
      const graceMs = graceOf(p.flags);
      const report = await fsck(app, { verify: !bool(p.flags, "quick"), repair: bool(p.flags, "repair"), graceMs, now: () => app.now().getTime() });
      if (app.out.json) printJson(app.out, fsckJson(report));
      else printFsck(app.out, report, graceMs);
      if (!report.ok) {
        throw failed(`fsck: ${plural(report.problems.length, "problem")} in ${app.settings.dataDir}${app.out.json ? "" : " (the problem: lines above)"}`,
          "each problem names what uses the bad object: restore the data dir from a backup, put the file again, or (for a pipeline's output) calf restart datum / calf run --reprocess");
      }
      return 0;
    },
  },
  {
    words: ["gc"], usage: "gc [--grace DURATION] [--dry-run]",
    summary: "remove objects, temp files and scratch that nothing references (safe while calf runs)",
    details: [
      "Removes objects that no commit (open or finished), spout marker or cached datum result references, and",
      "the temp files and scratch folders of writers that are gone (killed, or failed on a full disk). Safe while",
      "a runner or a put runs: an unreferenced object stored or reused within the grace period is kept (a writer",
      "may be about to commit it), and each removal is atomic against writers. Reports what it reclaimed.",
    ].join("\n"),
    flags: { grace: "string", "dry-run": "bool" },
    flagHelp: {
      grace: "DURATION: keep unreferenced objects stored or reused this recently (default 1h; 0s when nothing else runs)",
      "dry-run": "report what would be removed; remove nothing",
    },
    examples: ["calf gc", "calf gc --grace 0s           # nothing else uses the data dir", "calf gc --dry-run -o json"],
    maxArgs: 0, mode: "read",
    async run(app, p) {
      const graceMs = graceOf(p.flags);
      const dryRun = bool(p.flags, "dry-run");
      const r = await gc(app, { graceMs, dryRun, now: () => app.now().getTime() });
      if (app.out.json) printJson(app.out, gcJson(r, graceMs, dryRun));
      else printGc(app, r, graceMs, dryRun);
      return 0;
    },
  },
];

function printFsck(out: Out, r: FsckReport, graceMs: number): void {
  const lines = r.problems.map((pr) => `problem: ${printable(pr.message)}`);
  const c = r.checked;
  lines.push(`checked: the database, ${plural(c.commits, "commit")}, ${plural(c.markers, "spout marker")}, ${plural(c.results, "cached datum result")}, ${plural(c.nodes, "tree node")}, ${plural(c.objects, "object")} (${humanBytes(c.bytes)}${c.verified ? ", each re-hashed" : ", sizes only"})`);
  const u = r.unreferenced;
  lines.push(u.count
    ? `unreferenced: ${sized(u, "object")} nothing references${u.young ? `, ${u.young} of them stored within the last ${duration(graceMs)}` : ""}`
    : "unreferenced: none");
  const l = r.leftovers;
  const left = [l.temp.count ? sized(l.temp, "temp file") : "", l.scratch.count ? sized(l.scratch, "scratch folder") : "", l.aside ? plural(l.aside, "object gc had moved aside") : ""].filter(Boolean);
  lines.push(`leftovers: ${left.length ? `${left.join(", ")} of writers that are gone` : "none"}`);
  if (r.repaired) {
    const x = r.repaired;
    lines.push(`repaired: removed ${sized(x.objects, "unreferenced object")}, ${plural(x.temp, "temp file")}, ${plural(x.scratch, "scratch folder")}${x.restored ? `; put back ${plural(x.restored, "object")}` : ""}`);
  } else if (u.count || left.length) {
    lines.push("hint: calf gc removes them (or calf fsck --repair)");
  }
  out.write(lines.join("\n") + "\n");
}

function fsckJson(r: FsckReport) {
  return {
    ok: r.ok,
    problems: r.problems,
    checked: r.checked,
    unreferenced: { objects: r.unreferenced.count, bytes: r.unreferenced.bytes, young: r.unreferenced.young },
    leftovers: { temp_files: r.leftovers.temp.count, temp_bytes: r.leftovers.temp.bytes, scratch: r.leftovers.scratch.count, scratch_bytes: r.leftovers.scratch.bytes, aside: r.leftovers.aside },
    repaired: r.repaired && { objects: r.repaired.objects.count, bytes: r.repaired.objects.bytes, temp_files: r.repaired.temp, scratch: r.repaired.scratch, restored: r.repaired.restored },
  };
}

function printGc(app: App, r: GcReport, graceMs: number, dryRun: boolean): void {
  const verb = dryRun ? "would remove" : "removed";
  const total = r.removed.bytes + r.temp.bytes + r.scratch.bytes;
  const lines = [
    `${verb} ${sized(r.removed, "unreferenced object")}, ${sized(r.temp, "temp file")}, ${sized(r.scratch, "scratch folder")}: ${humanBytes(total)} in all`,
    `kept ${plural(r.referenced, "referenced object")}${r.young.count ? ` and ${sized(r.young, "unreferenced object")} stored or reused within the last ${duration(graceMs)}` : ""}${r.raced ? `; ${plural(r.raced, "object")} reused while gc ran` : ""}`,
  ];
  if (r.restored) lines.push(`put back ${plural(r.restored, "object")} a killed gc had moved aside`);
  app.out.write(lines.join("\n") + "\n");
}

function gcJson(r: GcReport, graceMs: number, dryRun: boolean) {
  return {
    dry_run: dryRun, grace_ms: graceMs, referenced: r.referenced,
    removed: { objects: r.removed.count, bytes: r.removed.bytes },
    young: { objects: r.young.count, bytes: r.young.bytes },
    raced: r.raced,
    temp: { files: r.temp.count, bytes: r.temp.bytes },
    scratch: { folders: r.scratch.count, bytes: r.scratch.bytes },
    restored: r.restored,
    reclaimed_bytes: r.removed.bytes + r.temp.bytes + r.scratch.bytes,
  };
}
