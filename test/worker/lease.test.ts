// worker/lease.ts: a grant's transform rebuilt over the worker's own pipelines
// folder (refused when it gives another version hash, or lacks the working
// dir), and the NodeLoader made of the grant's directory listings.
import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { walk } from "../../src/repo/tree.ts";
import { versionHash } from "../../src/run/version.ts";
import { grantSpec, listingLoader, specOf } from "../../src/worker/lease.ts";
import type { LeaseGrant } from "../../src/worker/protocol.ts";
import { rt } from "../helpers/app.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const runtime = await rt();
const sha = (s: string | Uint8Array) => runtime.sha256(s);
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function folder(files: Record<string, string>): string {
  const d = tempDir();
  dirs.push(d);
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, p)), { recursive: true });
    fs.writeFileSync(path.join(d, p), text);
  }
  return d;
}

/** The grant serve would send for a spec in `serveDir` (its version hash computed there, as serve does). */
function grantFor(serveDir: string, over: Partial<LeaseGrant["transform"]> = {}): LeaseGrant {
  const t = { cmd: ["sh", "scripts/go.sh"], stdin: null, env: { A: "1" }, working_dir: ".", spec_file: "p.yaml", err_cmd: null, err_stdin: null, accept_return_code: [], deps: ["scripts/"], salt: null, datum_tries: 2, datum_timeout_ms: null, ...over };
  const grant = { lease: "l1", job: "j1", pipeline: "p", output_commit: "c", ttl_ms: 1000, store: null, datums: [], objects: {}, transform: { ...t, version_hash: "" } };
  grant.transform.version_hash = versionHash(grantSpec(grant, serveDir), sha);
  return grant;
}

describe("specOf()", () => {
  test("specOf() rebuilds the transform under the worker's folder when its copy matches serve's", () => {
    const serve = folder({ "p.yaml": "", "scripts/go.sh": "echo hi\n" });
    const mine = folder({ "p.yaml": "", "scripts/go.sh": "echo hi\n" });
    const spec = specOf(grantFor(serve), mine, sha);
    expect("refused" in spec).toBe(false);
    if ("refused" in spec) return;
    expect({ wd: spec.transform.workingDir, file: spec.file, tries: spec.datumTries, env: spec.transform.env }).toEqual({ wd: mine, file: path.join(mine, "p.yaml"), tries: 2, env: { A: "1" } });
  });

  test("specOf() refuses a grant whose deps differ in the worker's copy, naming both versions", () => {
    const serve = folder({ "p.yaml": "", "scripts/go.sh": "echo hi\n" });
    const mine = folder({ "p.yaml": "", "scripts/go.sh": "echo HI\n" });
    const spec = specOf(grantFor(serve), mine, sha);
    expect(spec).toEqual({ refused: expect.stringMatching(/^this worker's copy of its transform or deps \(under .*\) differs from serve's \(version [0-9a-f]{12}, serve has [0-9a-f]{12}\)$/) });
  });

  test("specOf() refuses a grant whose working dir does not exist here", () => {
    const serve = folder({ "p.yaml": "", "sub/x": "" });
    const mine = folder({ "p.yaml": "" });
    expect(specOf(grantFor(serve, { working_dir: "sub", deps: [] }), mine, sha)).toEqual({ refused: expect.stringContaining(`its working dir ${path.join(mine, "sub")} does not exist here`) });
  });
});

describe("listingLoader()", () => {
  test("listingLoader() walks a directory input as the tree it lists, in byte order", async () => {
    const files: [string, string, number][] = [["/b/c.txt", "h1", 3], ["/a", "h2", 1], ["/b/d/e", "h3", 2]];
    const loader = listingLoader([{ id: "d", hash: "x", inputs: [], dirs: { root: files } }]);
    const got = (await walk(loader, "root", 6, { recursive: true, includeSelf: false, base: "/" })).filter((e) => e.type === "file").map((e) => [e.path, e.hash, e.size]);
    expect(got).toEqual([["/a", "h2", 1], ["/b/c.txt", "h1", 3], ["/b/d/e", "h3", 2]]);
    await expect(loader.node("unlisted")).rejects.toThrow("the lease lists no directory unlisted");
  });
});
