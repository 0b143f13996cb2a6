// `calf serve` as a child of the suite, for the figures only a service can
// give (edit -> committed output, commit after commit): started on a free
// loopback port with a token (so PUT works), spoken to over its HTTP API.
import { spawn, type ChildProcess } from "node:child_process";
import type { Calf } from "./calf.ts";

const TOKEN = "bench-token";

export class Served {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly exited: Promise<number | null>,
  ) {}

  /** Starts `calf serve` over the series' data dir and pipelines folder; resolves once it listens. */
  static async start(calf: Calf): Promise<Served> {
    const child = spawn(calf.bin, ["serve", "--listen", "127.0.0.1:0", "--data-dir", calf.dataDir, "--pipelines", calf.pipelines], {
      cwd: calf.dir, env: { ...process.env, CALF_API_TOKEN: TOKEN }, stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let seen = "";
    const url = await new Promise<string>((resolve, reject) => {
      const look = (chunk: Buffer) => {
        seen = (seen + chunk.toString()).slice(-4096);
        const m = /listening on (http:\/\/\S+)/.exec(seen);
        if (m) resolve(m[1]!);
      };
      child.stdout!.on("data", look);
      child.stderr!.on("data", look);
      void exited.then((code) => reject(new Error(`calf serve exited (${code}) before listening: ${seen.trim().split("\n").slice(-3).join(" | ")}`)));
      setTimeout(() => reject(new Error(`calf serve did not listen within 30 s: ${seen.trim().slice(-300)}`)), 30_000);
    });
    return new Served(child, url, exited);
  }

  async get<T>(path: string): Promise<T> {
    const r = await fetch(this.url + path);
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  }

  async put(repo: string, path: string, body: string): Promise<void> {
    const r = await fetch(`${this.url}/api/v1/repos/${repo}/file?path=${encodeURIComponent(path)}&overwrite=true`, {
      method: "PUT", body, headers: { authorization: `Bearer ${TOKEN}` },
    });
    if (!r.ok) throw new Error(`PUT ${repo}:${path}: ${r.status} ${await r.text()}`);
  }

  /** Polls `probe` every `everyMs` until it returns a value (not undefined), or throws after `timeoutMs`. */
  async until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 2): Promise<T> {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (performance.now() > end) throw new Error(`calf serve: ${what} did not happen within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /**
   * Follows `GET /api/v1/events`: every job that finished goes to `onJob`
   * (Server-Sent Events, no polling). Returns a function that stops it.
   */
  followJobs(onJob: (job: ApiJob) => void): () => void {
    const stop = new AbortController();
    void (async () => {
      try {
        const r = await fetch(`${this.url}/api/v1/events`, { signal: stop.signal });
        const reader = r.body!.getReader();
        const dec = new TextDecoder();
        let text = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += dec.decode(value, { stream: true });
          for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
            const data = text.slice(0, end).split("\n").find((l) => l.startsWith("data: "));
            text = text.slice(end + 2);
            if (!data) continue;
            const e = JSON.parse(data.slice(6)) as { type: string; job?: ApiJob };
            if (e.type === "job" && e.job?.finished) onJob(e.job);
          }
        }
      } catch { /* stopped */ }
    })();
    return () => stop.abort();
  }

  /** SIGTERM, and the exit. */
  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    const t = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(t);
  }
}

export interface ApiJob {
  id: string;
  pipeline: string;
  state: string;
  started: string;
  finished: string | null;
  output_commit: string | null;
  datums: { total: number; processed: number; skipped: number; failed: number; recovered: number };
}

export interface ApiRepo {
  name: string;
  head: string | null;
}

export interface ApiDatum {
  id: string;
  state: string;
  duration_ms: number;
}
