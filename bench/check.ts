// Hard checks: a tool that wrote different bytes, or a calf job that did not
// do exactly what the workload demands, stops the suite (exit 1) — a figure
// for wrong work is worse than no figure.

export class BenchAssertion extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchAssertion";
  }
}

export function assertDigest(what: string, got: { hash: string; files: number }, want: { hash: string; files: number }): void {
  if (got.hash !== want.hash || got.files !== want.files) {
    throw new BenchAssertion(
      `${what}: outputs differ from the expected tr a-z A-Z of the inputs ` +
        `(got ${got.files} files, sha256 ${got.hash.slice(0, 16)}; want ${want.files} files, sha256 ${want.hash.slice(0, 16)})`,
    );
  }
}

export function assertEqual<T>(what: string, got: T, want: T): void {
  if (got !== want) throw new BenchAssertion(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}
