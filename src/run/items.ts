// What a job would do with each datum (SPEC §2.2 `plan`, §4.3): process or
// skip, and why; and which datums of the previous job are gone. Pure.
import type { Datum } from "../plan/types.ts";

export type Action = "process" | "skip" | "remove";
export type Reason = "new" | "changed" | "unchanged" | "removed" | "failed_before" | "reprocess";

export interface PlanItem {
  id: string;
  action: Action;
  reason: Reason;
  paths: string[];
  hash: string;
  datum: Datum | null;
}

export interface PreviousDatum {
  id: string;
  state: string;
  paths: string[];
}

export function planItems(opts: {
  datums: { datum: Datum; hash: string }[];
  /** Hashes with a recorded successful result. */
  known: Set<string>;
  /** Datums of the pipeline's previous job, by id (empty when none). */
  previous: Map<string, PreviousDatum>;
  everyJob: boolean;
  reprocess: boolean;
}): PlanItem[] {
  const items: PlanItem[] = [];
  const current = new Set<string>();
  for (const { datum, hash } of opts.datums) {
    current.add(datum.id);
    const paths = datum.inputs.map((i) => i.path);
    const prev = opts.previous.get(datum.id);
    if (!opts.everyJob && opts.known.has(hash)) {
      items.push({ id: datum.id, action: "skip", reason: "unchanged", paths, hash, datum });
      continue;
    }
    const reason: Reason = prev && (prev.state === "failed" || prev.state === "recovered")
      ? "failed_before"
      : opts.reprocess ? "reprocess" : prev ? "changed" : "new";
    items.push({ id: datum.id, action: "process", reason, paths, hash, datum });
  }
  for (const prev of opts.previous.values()) {
    if (!current.has(prev.id)) items.push({ id: prev.id, action: "remove", reason: "removed", paths: prev.paths, hash: "", datum: null });
  }
  return items;
}
