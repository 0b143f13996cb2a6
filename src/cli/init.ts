// `calf init`: a pipelines folder with one working example (a word count
// over repo `text`), the repo itself with a sample file, and the next steps.
// Refuses a folder that already holds specs: it never overwrites a file.
import * as fs from "node:fs";
import * as path from "node:path";
import { conflict } from "../errors.ts";
import { putFile } from "../repo/files.ts";
import { SPEC_FILE } from "../spec/load.ts";
import type { Command } from "./command.ts";

export const EXAMPLE_SPEC = `# The example pipeline of \`calf init\`: count the words of each file of repo
# "text", one datum per file, into wordcount@master:/<file>.words.
#   calf put file text@master:/notes.txt -f notes.txt   # add a file
#   calf run --once                                     # only new or changed files run
#   calf get file wordcount@master:/notes.txt.words
pipeline: {name: wordcount}
description: words per file of repo text
transform:
  cmd: [sh, -c, 'wc -w < "$text" | tr -d " " > "/pfs/out/$(basename "$text").words"']
input:
  pfs: {repo: text, glob: "/*"}
`;

const SAMPLE = "hello from calf\nthe quick brown fox jumps over the lazy dog\n";

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

export const initCommands: Command[] = [
  {
    words: ["init"], usage: "init", summary: "start a pipelines folder with one working example",
    details: [
      "Writes PIPELINES/wordcount.yaml (a word count per file of repo \"text\"), creates repo text with a",
      "sample file when it does not exist, and prints the next steps. Refuses a pipelines folder that",
      "already holds specs.",
    ].join("\n"),
    flags: {}, maxArgs: 0, mode: "none",
    examples: ["mkdir demo && cd demo && calf init && calf run --once", "calf init --pipelines ci/pipelines"],
    async run(ctx) {
      const dir = ctx.settings.pipelinesDir;
      const specs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => SPEC_FILE.test(n)) : [];
      if (specs.length) {
        throw conflict(`init: ${path.relative(ctx.cwd, dir) || dir} already holds specs (${specs.slice(0, 3).join(", ")}${specs.length > 3 ? ", ..." : ""})`,
          "calf init only starts a new folder; point --pipelines (or CALF_PIPELINES) at another one");
      }
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, "wordcount.yaml");
      fs.writeFileSync(file, EXAMPLE_SPEC, { flag: "wx" });
      ctx.out.info(`wrote ${path.relative(ctx.cwd, file)}`);
      const app = await ctx.openData({ create: true });
      if (!(await app.repos.findRepo("text"))) {
        await app.repos.createRepo("text", { description: "sample input of the wordcount example" });
        await putFile(app.repos, "text", "master", "/hello.txt", "-", { recursive: false, overwrite: false, stdin: once(new TextEncoder().encode(SAMPLE)) });
        ctx.out.info("created repo text with /hello.txt");
      }
      ctx.out.info(["next:", "  calf run --once", "  calf get file wordcount@master:/hello.txt.words", "  calf put file text@master:/more.txt -f SOME_FILE && calf run --once"].join("\n"));
      return 0;
    },
  },
];
