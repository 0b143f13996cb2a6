// Without a sandbox, a datum's /pfs lives elsewhere (PFS_ROOT): rewrite /pfs
// in cmd and stdin wherever it starts a path (SPEC §4.6): at the start of a
// word or after a space, quote, `=`, `(` or `:`, and followed by `/` or the
// end of the word. Pure.

const PFS = /(^|[\s'"=(:])\/pfs(?=\/|$|[\s'";)|&<>])/g;

export function rewritePfs(text: string, pfsRoot: string): string {
  return text.replace(PFS, (_m, pre: string) => `${pre}${pfsRoot}`);
}
