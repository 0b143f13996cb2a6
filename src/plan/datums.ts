// Cutting a pipeline's input into datums (SPEC §4.1–4.2) as Pachyderm 2.x's
// datum iterators do: listings in, datums out. Pure; the caller supplies each
// pfs input's listing and the hash function. Datums come in a deterministic
// order: glob matches by path, cross with the first member outermost, union in
// member order, join/group by key (Pachyderm leaves that order unspecified).

import { invalid } from "../errors.ts";
import { expandTemplate, globEntries } from "./glob.ts";
import { makeDatum, type Sha256 } from "./identity.ts";
import { crossLists, groupSlices, joinSlices, type KeyedMatch, type KeyedMember } from "./keyed.ts";
import type { CronInput, Input, PfsInput } from "./input.ts";
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
 * cross, join and group need their members' lists whole. `keyed`: below a join
 * or group, where each file carries its join_on / group_by key.
 */
function* slices(input: Input, listings: ListingSource, keyed = false): Generator<DatumInput[]> {
  switch (input.kind) {
    case "pfs": {
      const listing = listings(input);
      if (!listing) return;
      for (const { entry, captures } of globEntries(listing.entries, input.glob)) {
        yield [datumInput(input, listing.commit, entry, keyed ? captures : undefined)];
      }
      return;
    }
    case "cron":
      return yield* slices(cronAsPfs(input), listings, keyed);
    case "cross":
      return yield* crossLists(input.inputs.map((i) => [...slices(i, listings, keyed)])).map((parts) => parts.flat());
    case "union":
      for (const i of input.inputs) yield* slices(i, listings, keyed);
      return;
    case "join":
      return yield* joinSlices(input.inputs.map((i) => joinMember(i, listings)));
    case "group":
      return yield* groupSlices(input.inputs.map((i) => groupMember(i, listings)));
  }
}

/** A file of a pfs input; with `captures`, its join_on / group_by keys as Pachyderm expands them. */
function datumInput(input: PfsInput, commit: string, entry: Entry, captures?: string[]): DatumInput {
  const out: DatumInput = {
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
  if (captures !== undefined) {
    // Pachyderm sets PACH_DATUM_<name>_JOIN_ON / _GROUP_BY only for a non-empty key.
    const joinOn = input.joinOn === undefined ? "" : expandTemplate(input.joinOn, captures);
    const groupBy = input.groupBy === undefined ? "" : expandTemplate(input.groupBy, captures);
    if (joinOn !== "") out.joinOn = joinOn;
    if (groupBy !== "") out.groupBy = groupBy;
  }
  return out;
}

// A join member is one pfs input (SPEC §3): its files, each keyed by join_on.
function joinMember(input: Input, listings: ListingSource): KeyedMember {
  if (input.kind !== "pfs") {
    // Validation refuses these trees; reaching here is a caller bug, reported as bad input.
    throw invalid(`join: every member must be a pfs input with join_on, got ${input.kind}`);
  }
  if (input.joinOn === undefined) {
    throw invalid(`join: pfs input "${input.name}" has no join_on`, `add e.g. join_on: "$1" with a capture group in its glob`);
  }
  const matches: KeyedMatch[] = [];
  for (const [file] of slices(input, listings, true)) matches.push({ key: file!.joinOn ?? "", input: file! });
  return { outerJoin: input.outerJoin, matches };
}

// A group member may be any input (Pachyderm 2.x): each file of each of its
// datums goes to the group of its own group_by key (a join's pairs are split up).
function groupMember(input: Input, listings: ListingSource): KeyedMember {
  const matches: KeyedMatch[] = [];
  for (const datum of slices(input, listings, true)) for (const file of datum) matches.push({ key: file.groupBy ?? "", input: file });
  return { outerJoin: false, matches };
}
