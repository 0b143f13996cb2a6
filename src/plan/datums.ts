// Cutting a pipeline's input into datums (SPEC §4.1–4.2): listings in, datums out.
// Pure; the caller supplies each pfs input's listing and the hash function.
// Datums come in a deterministic order: glob matches by path, cross with the
// first member outermost, union in member order, join/group by key.

import { invalid } from "../errors.ts";
import { expandTemplate, globEntries } from "./glob.ts";
import { makeDatum, type Sha256 } from "./identity.ts";
import { crossLists, groupSlices, joinSlices, type KeyedMember } from "./keyed.ts";
import type { CronInput, Input, PfsInput } from "../spec/types.ts";
import type { Datum, DatumInput, Entry } from "./types.ts";

/** An input's commit and full listing (every file and dir, root included), or null when it has no commit. */
export type ListingSource = (input: PfsInput) => { commit: string; entries: Entry[] } | null;

/**
 * The datums of one job. A datum id produced twice (e.g. union members with
 * the same name, repo, branch and path) is kept once, at its first position:
 * the same files would otherwise be processed twice and merged twice.
 */
export function planDatums(input: Input, listings: ListingSource, sha256: Sha256): Datum[] {
  const seen = new Set<string>();
  const out: Datum[] = [];
  for (const slice of slices(input, listings)) {
    const datum = makeDatum(slice, sha256);
    if (seen.has(datum.id)) continue;
    seen.add(datum.id);
    out.push(datum);
  }
  return out;
}

/** Pachyderm treats a cron input as a pfs input with glob "/*" over the cron repo. */
export function cronAsPfs(input: CronInput): PfsInput {
  return { kind: "pfs", name: input.name, repo: input.repo, glob: "/*", branch: "master", outerJoin: false, emptyFiles: false, reference: false };
}

/**
 * Each datum's inputs, unsorted, one at a time: a pfs input's (or a union's)
 * datums are made as they are planned, never all held as lists first (100k
 * files: one list of glob matches instead of three more of 100k items each).
 * cross, join and group need their members' lists whole.
 */
function* slices(input: Input, listings: ListingSource): Generator<DatumInput[]> {
  switch (input.kind) {
    case "pfs": {
      const listing = listings(input);
      if (!listing) return;
      for (const { entry } of globEntries(listing.entries, input.glob)) yield [datumInput(input, listing.commit, entry)];
      return;
    }
    case "cron":
      return yield* slices(cronAsPfs(input), listings);
    case "cross":
      return yield* crossLists(input.inputs.map((i) => [...slices(i, listings)])).map((parts) => parts.flat());
    case "union":
      for (const i of input.inputs) yield* slices(i, listings);
      return;
    case "join":
      return yield* joinSlices(input.inputs.map((i) => keyed(i, "join", listings)));
    case "group":
      return yield* groupSlices(input.inputs.map((i) => keyed(i, "group", listings)));
  }
}

function datumInput(input: PfsInput, commit: string, entry: Entry): DatumInput {
  return {
    name: input.name,
    repo: input.repo,
    branch: input.branch,
    commit,
    path: entry.path,
    type: entry.type,
    hash: entry.hash,
    size: entry.size,
    reference: input.reference,
    emptyFiles: input.emptyFiles,
  };
}

function matches(input: PfsInput, listings: ListingSource): { input: DatumInput; captures: string[] }[] {
  const listing = listings(input);
  if (!listing) return [];
  return globEntries(listing.entries, input.glob).map(({ entry, captures }) => ({ captures, input: datumInput(input, listing.commit, entry) }));
}

function keyed(input: Input, kind: "join" | "group", listings: ListingSource): KeyedMember {
  const field = kind === "join" ? "join_on" : "group_by";
  if (input.kind !== "pfs") {
    // Validation refuses these trees; reaching here is a caller bug, reported as bad input.
    throw invalid(`${kind}: every member must be a pfs input with ${field}, got ${input.kind}`);
  }
  const template = kind === "join" ? input.joinOn : input.groupBy;
  if (template === undefined) {
    throw invalid(`${kind}: pfs input "${input.name}" has no ${field}`, `add e.g. ${field}: "$1" with a capture group in its glob`);
  }
  return {
    outerJoin: kind === "join" && input.outerJoin,
    matches: matches(input, listings).map((m) => ({ key: expandTemplate(template, m.captures), input: m.input })),
  };
}
