// Datum identity (SPEC §4.3): the id names a datum across jobs (which inputs,
// which paths); the hash decides skipping (id + content + pipeline salt).
// Pure; hashing is injected. Changing an encoding here re-ids every datum:
// bump the version tag, never reuse it.

import { compareBytes } from "./bytewise.ts";
import type { Datum, DatumInput } from "./types.ts";

/** SHA-256 of a string's UTF-8 bytes, as lowercase hex. */
export type Sha256 = (s: string) => string;

type InputKey = Pick<DatumInput, "name" | "repo" | "branch" | "path">;

/** A datum's inputs in canonical order: input name, then path (repo, branch break ties). */
export function compareDatumInputs(a: InputKey, b: InputKey): number {
  return (
    compareBytes(a.name, b.name) ||
    compareBytes(a.path, b.path) ||
    compareBytes(a.repo, b.repo) ||
    compareBytes(a.branch, b.branch)
  );
}

/** Stable id: hash of (name, repo, branch, path) of every input, in canonical order. No commit, no content. */
export function datumId(inputs: readonly InputKey[], sha256: Sha256): string {
  const tuples = [...inputs].sort(compareDatumInputs).map((i) => [i.name, i.repo, i.branch, i.path]);
  return sha256(JSON.stringify(["calf.datum.id.v1", tuples]));
}

/** Merge-order key: the input paths in canonical (input-name, then path) order. */
export function datumSortKey(inputs: readonly InputKey[]): string[] {
  return [...inputs].sort(compareDatumInputs).map((i) => i.path);
}

/** Build a Datum from its inputs in any order. */
export function makeDatum(inputs: readonly DatumInput[], sha256: Sha256): Datum {
  const sorted = [...inputs].sort(compareDatumInputs);
  return { id: datumId(sorted, sha256), inputs: sorted, sortKey: sorted.map((i) => i.path) };
}

/**
 * Skip key: the id, the content hash of every non-`reference` input (a dir's
 * hash covers its subtree) and the pipeline salt. `emptyFiles` is covered too,
 * since it changes the bytes the transform sees, and so are join/group keys
 * (the transform sees them as PACH_DATUM_<name>_JOIN_ON / _GROUP_BY); they are
 * appended only when set, so datums without keys keep their hashes.
 */
export function datumHash(datum: Pick<Datum, "id" | "inputs">, salt: string, sha256: Sha256): string {
  const contents = [...datum.inputs]
    .sort(compareDatumInputs)
    .map((i) => {
      const row: unknown[] = [i.name, i.path, i.reference ? null : i.hash, i.emptyFiles];
      if (i.joinOn !== undefined || i.groupBy !== undefined) row.push(i.joinOn ?? null, i.groupBy ?? null);
      return row;
    });
  return sha256(JSON.stringify(["calf.datum.hash.v1", datum.id, contents, salt]));
}
