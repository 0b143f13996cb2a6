import { describe, expect, test } from "bun:test";
import { rewritePfs } from "../../src/transform/rewrite.ts";

const R = "/data/scratch/7/pfs";

describe("rewritePfs()", () => {
  // --- rewritten: /pfs at the start of a word or after space, quote, =, ( or :, then / or the end of the word ---
  test.each<[string, string]>([
    ["/pfs/in/x.txt", `${R}/in/x.txt`],
    ["/pfs", R],
    ["/pfs/", `${R}/`],
    ["cat /pfs/in/x", `cat ${R}/in/x`],
    ["cp -r /pfs/in /pfs/out", `cp -r ${R}/in ${R}/out`],
    ["ls /pfs", `ls ${R}`],
    ["a\t/pfs/x\n/pfs/y", `a\t${R}/x\n${R}/y`],
    ["'/pfs/in/a b'", `'${R}/in/a b'`],
    ['"/pfs/in"', `"${R}/in"`],
    ["OUT=/pfs/out", `OUT=${R}/out`],
    ["--input=/pfs/in", `--input=${R}/in`],
    ["$(ls /pfs/in)", `$(ls ${R}/in)`],
    ["(/pfs/in)", `(${R}/in)`],
    ["a:/pfs/in", `a:${R}/in`],
    ["PATH=/bin:/pfs/in/bin", `PATH=/bin:${R}/in/bin`],
    ["cd /pfs; ls", `cd ${R}; ls`],
    ["for f in /pfs/data/*; do echo $f >> /pfs/out/$(basename $f); done", `for f in ${R}/data/*; do echo $f >> ${R}/out/$(basename $f); done`],
  ])("rewritePfs(%p) rewrites /pfs where it starts a path", (text, want) => {
    expect(rewritePfs(text, R)).toBe(want);
  });

  // --- left alone ---
  test.each([
    "/pfsx",
    "/pfs_data/x",
    "/pfs.txt",
    "a/pfs/x",
    "./pfs/x",
    "~/pfs/x",
    "$HOME/pfs/x",
    "sed 's:^/pfs::'",
    "s:^/pfs:/x:",
    "echo pfs",
    "http://host/pfs/x",
    "",
  ])("rewritePfs(%p) leaves text that does not start a /pfs path alone", (text) => {
    expect(rewritePfs(text, R)).toBe(text);
  });

  test("rewritePfs() inserts the root literally, even with $ patterns in it", () => {
    expect(rewritePfs("cat /pfs/a", "/tmp/$&/$1")).toBe("cat /tmp/$&/$1/a");
  });

  test("rewritePfs() rewrites back-to-back occurrences", () => {
    expect(rewritePfs("/pfs /pfs /pfs", "R")).toBe("R R R");
    expect(rewritePfs("A=/pfs B=/pfs/x", "R")).toBe("A=R B=R/x");
    expect(rewritePfs("/pfs=/pfs/x", "R")).toBe("/pfs=R/x"); // "=" does not end a word
  });
});

describe("rewritePfs() after shell operators", () => {
  test.each([
    ["tr a-z A-Z >/pfs/out/x", "tr a-z A-Z >/R/out/x"],
    ["exec 3>/pfs/out", "exec 3>/R/out"],
    ["wc -l </pfs/in/a|sort", "wc -l </R/in/a|sort"],
    ["true;/pfs/bin/run", "true;/R/bin/run"],
    ["echo `ls /pfs/in`", "echo `ls /R/in`"],
    ["a/pfs/x", "a/pfs/x"],
  ])("rewritePfs(%p) is %p", (input, want) => {
    expect(rewritePfs(input, "/R")).toBe(want);
  });
});
