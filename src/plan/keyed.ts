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
 * matches with that key, member order outermost. A key some member lacks
 * yields only the outer members' files: the cross product of the lists of the
 * `outerJoin` members holding it (Pachyderm 2.x drops the inner members'
 * files from such a tuple, so three members A outer, B, C with a key in A and
 * B only give A's files alone).
 */
export function joinSlices(members: readonly KeyedMember[]): DatumInput[][] {
  const byKey = bucket(members);
  const out: DatumInput[][] = [];
  for (const key of sortedKeys(byKey)) {
    const lists = byKey.get(key)!;
    if (lists.every((l) => l.length > 0)) {
      out.push(...crossLists(lists));
      continue;
    }
    const outer = members.flatMap((m, i) => (m.outerJoin && lists[i].length > 0 ? [lists[i]] : []));
    if (outer.length > 0) out.push(...crossLists(outer));
  }
  return out;
}

/**
 * Group: one datum per key (byte-wise order) holding every match of every
 * member with that key, each file once (a file in several of a member's
 * datums, e.g. a join's, would otherwise appear twice at the same /pfs path).
 */
export function groupSlices(members: readonly KeyedMember[]): DatumInput[][] {
  const byKey = bucket(members);
  return sortedKeys(byKey).map((key) => {
    const seen = new Set<string>();
    return byKey.get(key)!.flat().filter((i) => {
      const id = JSON.stringify([i.name, i.repo, i.branch, i.path]);
      return seen.has(id) ? false : (seen.add(id), true);
    });
  });
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
