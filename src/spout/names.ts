// Entry names in a spout's archives are only names (SPEC §5): relative paths
// inside the output repo. Refuses what could escape or confuse the store:
// absolute paths, ".." segments, NUL. Pure.

export type NameCheck = { path: string; dir: boolean } | { reason: string };

/** Turns a tar entry name into a repo path ("./a//b/" -> "/a/b", dir), or says why it is refused. */
export function checkEntryName(raw: string): NameCheck {
  if (raw.includes("\0")) return { reason: "the name contains a NUL byte" };
  if (raw === "") return { reason: "the name is empty" };
  if (raw.startsWith("/")) return { reason: "absolute paths are refused; entry names are relative to the output repo" };
  const segs: string[] = [];
  for (const s of raw.split("/")) {
    if (s === "..") return { reason: `".." segments are refused; entry names must stay inside the output repo` };
    if (s !== "" && s !== ".") segs.push(s);
  }
  return { path: "/" + segs.join("/"), dir: raw.endsWith("/") };
}
