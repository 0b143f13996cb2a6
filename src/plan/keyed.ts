// join and group (SPEC §4.2): combine glob matches of several inputs by the
// key their join_on / group_by template expands to.
// Pure; works on matches already cut and keyed by datums.ts.

import { compareBytes } from "./bytewise.ts";
import type { DatumInput } from "./types.ts";

export interface KeyedMatch {
  key: string;
  input: DatumInput;
}

/** One member of a join/group: its matches in path order. */
export interface KeyedMember {
  outerJoin: boolean;
  matches: KeyedMatch[];
}

/**
 * Join: for each key (byte-wise order), the cross product of every member's
 * matches with that key, member order outermost. A key missing from some
 * member yields datums only if a member holding it has `outerJoin` — as in
 * SQL, an outer member keeps its unmatched files; absent members are left out.
 */
export function joinSlices(members: readonly KeyedMember[]): DatumInput[][] {
  const byKey = bucket(members);
  const out: DatumInput[][] = [];
  for (const key of sortedKeys(byKey)) {
    const lists = byKey.get(key)!;
    const present = members.flatMap((m, i) => (lists[i].length > 0 ? [{ member: m, list: lists[i] }] : []));
    const complete = present.length === members.length;
    if (!complete && !present.some((p) => p.member.outerJoin)) continue;
    out.push(...crossLists(present.map((p) => p.list)));
  }
  return out;
}

/** Group: one datum per key (byte-wise order) holding every match of every member with that key. */
export function groupSlices(members: readonly KeyedMember[]): DatumInput[][] {
  const byKey = bucket(members);
  return sortedKeys(byKey).map((key) => byKey.get(key)!.flat());
}

/** Cartesian product of lists, first list outermost; empty if any list is empty. */
export function crossLists<T>(lists: readonly (readonly T[])[]): T[][] {
  let acc: T[][] = [[]];
  for (const list of lists) {
    const next: T[][] = [];
    for (const prefix of acc) for (const item of list) next.push([...prefix, item]);
    acc = next;
  }
  return acc;
}

/** key -> per-member lists of inputs (each in the member's path order). */
function bucket(members: readonly KeyedMember[]): Map<string, DatumInput[][]> {
  const byKey = new Map<string, DatumInput[][]>();
  members.forEach((m, i) => {
    for (const { key, input } of m.matches) {
      let lists = byKey.get(key);
      if (!lists) byKey.set(key, (lists = members.map(() => [])));
      lists[i].push(input);
    }
  });
  return byKey;
}

function sortedKeys(byKey: Map<string, unknown>): string[] {
  return [...byKey.keys()].sort(compareBytes);
}
