import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { removeDir, tempDir } from "../helpers/tmp.ts";

const ROOT = path.resolve(import.meta.dir, "../..");
const BUN = process.execPath;

describe("main() output on a pipe", () => {
  test("main() writes a large listing in full to a slow reader before exiting", () => {
    const dir = tempDir();
    try {
      const src = path.join(dir, "src");
      fs.mkdirSync(src);
      for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(src, `file-with-a-longish-name-${i}.txt`), `${i}\n`);
      const calf = (args: string) => `${BUN} ${ROOT}/src/main.ts --data-dir ${dir}/data ${args}`;
      execFileSync("sh", ["-c", `${calf("create repo r")} && ${calf(`put file r@master:/ -f ${src} -r`)}`], { stdio: "ignore" });
      const direct = execFileSync("sh", ["-c", calf("list file r@master:/ -o json")], { maxBuffer: 1 << 26 }).length;
      // The reader waits a second before reading: calf must not exit with output still buffered.
      const slow = Number(execFileSync("sh", ["-c", `${calf("list file r@master:/ -o json")} | (sleep 1; wc -c)`]).toString().trim());
      expect(direct).toBeGreaterThan(200_000);
      expect(slow).toBe(direct);
    } finally {
      removeDir(dir);
    }
  }, 60_000);
});
