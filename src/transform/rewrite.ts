// Without a sandbox, a datum's /pfs lives elsewhere (PFS_ROOT): rewrite /pfs
// in cmd, stdin and transform.env values wherever it starts a path (SPEC §4.6): at the start of a
// word or after a space, quote, `=`, `(` or `:`, and followed by `/` or the
// end of the word. Shell operators (`<`, `>`, `|`, `;`, `&`, a backtick) also
// start a word, so `>/pfs/out/x` and `exec 3>/pfs/out` are rewritten. Pure.

const PFS = /(^|[\s'"=(:<>|;&`])\/pfs(?=\/|$|[\s'";)|&<>`])/g;

export function rewritePfs(text: string, pfsRoot: string): string {
  return text.replace(PFS, (_m, pre: string) => `${pre}${pfsRoot}`);
}
