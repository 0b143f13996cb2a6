import { describe, expect, test } from "bun:test";
import * as path from "node:path";
import { loadRuntime } from "../../runtime/index.ts";
import { CalfError } from "../../src/errors.ts";
import { FsObjectStore } from "../../src/store/fs/store.ts";
import { openStore, parseStoreUrl, storeEnvFrom } from "../../src/store/open.ts";
import { S3ObjectStore } from "../../src/store/s3/store.ts";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const rt = await loadRuntime();

describe("parseStoreUrl()", () => {
  test.each([
    ["file:", { kind: "file", dir: null }],
    ["file://", { kind: "file", dir: null }],
    ["file:/backup/calf", { kind: "file", dir: "/backup/calf" }],
    ["file:///backup/calf", { kind: "file", dir: "/backup/calf" }],
    ["file:other", { kind: "file", dir: "/work/here/other" }],
    ["s3://my-bucket", { kind: "s3", bucket: "my-bucket", prefix: "" }],
    ["s3://my-bucket/", { kind: "s3", bucket: "my-bucket", prefix: "" }],
    ["s3://my-bucket/team/calf", { kind: "s3", bucket: "my-bucket", prefix: "team/calf/" }],
    ["s3://my.bucket/calf/", { kind: "s3", bucket: "my.bucket", prefix: "calf/" }],
  ])("parseStoreUrl(%s)", (url, want) => {
    expect(parseStoreUrl(url, "/work/here")).toEqual(want as never);
  });

  test.each([
    ["/backup", 'store "/backup": not a store URL'],
    ["gs://bucket", 'store "gs://bucket": unknown scheme "gs:"'],
    ["file://host/path", 'store "file://host/path": file:// URLs take no host'],
    ["s3://", 'store "s3://": "" is not a valid bucket name'],
    ["s3://My_Bucket/x", 'store "s3://My_Bucket/x": "My_Bucket" is not a valid bucket name'],
    ["s3://b..c/x", 'store "s3://b..c/x": "b..c" is not a valid bucket name'],
    ["s3://bucket/a//b", 'store "s3://bucket/a//b": the prefix "a//b" has an empty, "." or ".." segment'],
    ["s3://bucket/../b", 'store "s3://bucket/../b": the prefix "../b" has an empty, "." or ".." segment'],
  ])("parseStoreUrl(%s) is refused: %s", (url, message) => {
    let err: unknown;
    try {
      parseStoreUrl(url, "/");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CalfError);
    expect((err as CalfError).code).toBe("invalid");
    expect((err as CalfError).message).toBe(message);
    expect((err as CalfError).hint).toBeTruthy();
  });
});

describe("storeEnvFrom()", () => {
  test("takes the endpoint, credentials and region (AWS_REGION before AWS_DEFAULT_REGION); empty values count as unset", () => {
    expect(storeEnvFrom({ CALF_S3_ENDPOINT: "http://h:1", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "", AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "us-west-2" }))
      .toEqual({ endpoint: "http://h:1", accessKeyId: "k", secretAccessKey: "s", sessionToken: undefined, region: "eu-west-1" });
    expect(storeEnvFrom({ AWS_DEFAULT_REGION: "us-west-2" }).region).toBe("us-west-2");
  });
});

describe("openStore()", () => {
  const open = (url: string, env: Record<string, string>) => {
    const dir = tempDir();
    try {
      return openStore(url, { env: storeEnvFrom(env), dataDir: path.join(dir, "data"), cwd: dir, rt, clock: { now: () => new Date() } });
    } finally {
      removeDir(dir);
    }
  };
  const creds = { AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" };

  test("file: is the data dir's own objects; s3:// an S3 store under its prefix", () => {
    expect(open("file:", {})).toBeInstanceOf(FsObjectStore);
    const s3 = open("s3://bucket/team/calf", creds) as S3ObjectStore;
    expect(s3).toBeInstanceOf(S3ObjectStore);
    expect(s3.key("ab")).toBe("team/calf/cas/ab");
    expect(s3.url).toBe("s3://bucket/team/calf");
  });

  test.each([
    [{}, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"],
    [{ AWS_ACCESS_KEY_ID: "k" }, "AWS_SECRET_ACCESS_KEY is not set"],
  ])("an s3:// store without credentials (%o) is refused before any request", (env, why) => {
    expect(() => open("s3://bucket/x", env)).toThrow(`store "s3://bucket/x": no S3 credentials: ${why}`);
  });

  test.each(["localhost:9000", "http://h:9000/path", "ftp://h"])("CALF_S3_ENDPOINT %s is refused", (endpoint) => {
    expect(() => open("s3://bucket", { ...creds, CALF_S3_ENDPOINT: endpoint })).toThrow(`CALF_S3_ENDPOINT "${endpoint}" is not an endpoint URL`);
  });
});
