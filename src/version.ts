// calf's version (kept equal to package.json's) and the build's commit and
// date, which build.ts defines as constants when it compiles dist/calf; run
// from source, they are absent and --version says "dev".
declare const CALF_BUILD_COMMIT: string | undefined;
declare const CALF_BUILD_DATE: string | undefined;

export const VERSION = "0.1.0";

export const BUILD: { commit: string | null; date: string | null } = {
  commit: typeof CALF_BUILD_COMMIT === "string" ? CALF_BUILD_COMMIT : null,
  date: typeof CALF_BUILD_DATE === "string" ? CALF_BUILD_DATE : null,
};

/** `calf 0.1.0 (1b7d943a2c51 2026-12-04)`, or `calf 0.1.0 (dev)` from source. */
export function versionLine(): string {
  return `calf ${VERSION} (${BUILD.commit ? `${BUILD.commit} ${BUILD.date}` : "dev"})`;
}
