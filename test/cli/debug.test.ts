// calf debug dump: a tarball with version, environment, specs, recent jobs
// and logs, and none of the secrets planted in the environment, the
// database URL, the specs or the transforms' logs.
import { afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isSecretName, looksLikeToken, redactEnv, redactText, REDACTED } from "../../src/cli/redact.ts";
import { calf } from "../helpers/cli.ts";
import { listFiles, removeDir, tempDir } from "../helpers/tmp.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));

describe("redact", () => {
  test.each<[string, boolean]>([
    ["CALF_API_TOKEN", true], ["CALF_DB_AUTH_TOKEN", true], ["GITHUB_TOKEN", true], ["DB_PASSWORD", true], ["STRIPE_SECRET_KEY", true],
    ["AWS_SECRET_ACCESS_KEY", true], ["AWS_SESSION_TOKEN", true], ["AWS_ACCESS_KEY_ID", true], ["AWS_REGION", false],
    ["PATH", false], ["HOME", false], ["CALF_DATA_DIR", false], ["LANG", false],
  ])("isSecretName(%p) is %p", (name, want) => {
    expect(isSecretName(name)).toBe(want);
  });

  test.each<[string, boolean]>([
    ["ghp_abcdefghijklmnopqrstuvwxyz0123456789", true], ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", true],
    ["AKIAIOSFODNN7EXAMPLE", true], ["f3a9c21b7de84e5f9a0b1c2d3e4f5a6b", true],
    ["/usr/local/bin:/usr/bin:/bin", false], ["/home/someone/projects/with-a-long-name-2024", false], ["en_US.UTF-8", false], ["hello world", false],
  ])("looksLikeToken(%p) is %p", (value, want) => {
    expect(looksLikeToken(value)).toBe(want);
  });

  test("redactEnv() replaces secret values and collects them; redactText() scrubs them and URL credentials anywhere", () => {
    const secrets = new Set<string>();
    const env = redactEnv({ CALF_API_TOKEN: "s3cr3t-api", HOME: "/root", CALF_DB_URL: "libsql://db.example.com?authToken=abc123xyz&x=1", PGURL: "postgres://bob:hunter22@db/x" }, secrets);
    expect(env).toEqual({ CALF_API_TOKEN: REDACTED, HOME: "/root", CALF_DB_URL: `libsql://db.example.com?authToken=${REDACTED}&x=1`, PGURL: `postgres://${REDACTED}@db/x` });
    expect([...secrets].sort()).toEqual(["abc123xyz", "hunter22", "s3cr3t-api"]);
    expect(redactText("token s3cr3t-api and hunter22 and abc123xyz", secrets)).toBe(`token ${REDACTED} and ${REDACTED} and ${REDACTED}`);
    expect(redactText("env: {API_KEY: k-123, MODE: fast}\n  PASSWORD: 'pw pw'\nAuthorization: Bearer abcdefghijkl\n", [])).toBe(
      `env: {API_KEY: ${REDACTED}, MODE: fast}\n  PASSWORD: ${REDACTED}\nAuthorization: Bearer ${REDACTED}\n`);
  });
});

describe("calf debug dump", () => {
  test("debug dump writes a .tar.gz with version, env, specs, jobs and logs, and no planted secret anywhere in it", () => {
    const cwd = tempDir();
    dirs.push(cwd);
    const SECRETS = ["apitoken-4f1c2e9a", "dbtoken-77aa11bb", "awssecret-9z8y7x", "ghp_0123456789abcdefghijABCDEFGHIJ", "spec-secret-1234", "hunter2hunter2"];
    const env = {
      CALF_API_TOKEN: SECRETS[0]!, CALF_DB_AUTH_TOKEN: SECRETS[1]!, AWS_SECRET_ACCESS_KEY: SECRETS[2]!, SOME_VAR: SECRETS[3]!, AWS_REGION: "eu-west-1",
      DEPLOY_URL: `https://deploy:${SECRETS[5]}@example.com/hook`,
    };
    fs.mkdirSync(path.join(cwd, "pipelines"));
    fs.writeFileSync(path.join(cwd, "pipelines/leaky.yaml"), [
      "pipeline: {name: leaky}",
      `transform: {cmd: [sh, -c, 'echo "token is $API_TOKEN, url $DEPLOY_URL"; echo "line for $images"'], env: {API_TOKEN: ${SECRETS[4]}}}`,
      'input: {pfs: {repo: images, glob: "/*"}}', "",
    ].join("\n"));
    const run = (args: string[], input?: string) => {
      const r = calf(args, { cwd, env, input });
      expect({ args, code: r.code, stderr: r.code ? r.stderr : "" }).toEqual({ args, code: 0, stderr: "" });
      return r;
    };
    run(["create", "repo", "images"]);
    run(["put", "file", "images@master:/a", "-f", "-"], "a\n");
    run(["run", "--once"]);
    const r = run(["debug", "dump", "report.tar.gz"]);
    expect(r.stderr).toMatch(/^wrote report.tar.gz \(\d+ files\); look it over before you share it\n$/);
    const out = path.join(cwd, "out");
    fs.mkdirSync(out);
    expect(spawnSync("tar", ["-xzf", path.join(cwd, "report.tar.gz"), "-C", out]).status).toBe(0);
    const files = listFiles(out);
    expect(files).toEqual(expect.arrayContaining([
      "calf-debug/version.json", "calf-debug/env.txt", "calf-debug/settings.json", "calf-debug/pipelines/leaky.yaml",
      "calf-debug/lint.txt", "calf-debug/repos.json", "calf-debug/pipelines.json", "calf-debug/jobs.json",
    ]));
    const logs = files.filter((f) => f.startsWith("calf-debug/logs/leaky/"));
    expect(logs.length).toBe(1);
    const all = files.map((f) => fs.readFileSync(path.join(out, f), "utf8")).join("\n");
    for (const s of SECRETS) expect({ secret: s, found: all.includes(s) }).toEqual({ secret: s, found: false });
    const read = (f: string) => fs.readFileSync(path.join(out, "calf-debug", f), "utf8");
    expect(JSON.parse(read("version.json"))).toMatchObject({ calf: expect.any(String), line: expect.stringMatching(/^calf \S+ \(/), runtime: "bun" });
    expect(read("env.txt")).toContain(`CALF_API_TOKEN=${REDACTED}\n`);
    expect(read("env.txt")).toContain("AWS_REGION=eu-west-1\n");
    expect(read(logs[0]!.slice("calf-debug/".length))).toMatch(/ out token is \[redacted\], url https:\/\/\[redacted\]@example.com\/hook\n\S+ out line for \S+\/a\n/);
    expect(JSON.parse(read("jobs.json"))[0]).toMatchObject({ pipeline: "leaky", state: "success" });
  });

  test("debug dump works without a data dir and creates only the tarball; it refuses to overwrite one", () => {
    const cwd = tempDir();
    dirs.push(cwd);
    expect(calf(["debug", "dump", "r.tgz"], { cwd }).code).toBe(0);
    expect(fs.readdirSync(cwd)).toEqual(["r.tgz"]);
    const listing = spawnSync("tar", ["-tzf", path.join(cwd, "r.tgz")], { encoding: "utf8" }).stdout;
    expect(listing).toContain("calf-debug/data.txt\n");
    const again = calf(["debug", "dump", "r.tgz"], { cwd });
    expect(again).toMatchObject({ code: 2, stderr: "calf: debug dump: r.tgz already exists\nhint: give another FILE, or remove it first\n" });
  });
});
