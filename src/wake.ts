// How a runner learns at once that there is work (SPEC §2: a data command's
// change is picked up "at once", not at the next poll): every process that
// is not the runner touches <data-dir>/wake after each committed write; the
// runner watches that file (inotify through fs.watch) and the pipelines
// folder, and wakes from its wait. The wait's timeout stays as the fallback
// (and for cron ticks).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Clock } from "./host.ts";

export function wakeFile(dataDir: string): string {
  return path.join(dataDir, "wake");
}

/** Tells a runner (if any) that the data dir changed: one byte written to the wake file. */
export function wakeRunner(dataDir: string): void {
  try {
    const fd = fs.openSync(wakeFile(dataDir), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o644);
    try {
      fs.writeSync(fd, "w", 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch { /* no runner can be told (e.g. a read-only data dir): it finds the change at its next poll */ }
}

/** The runner's side: waits until a wake, a change in a watched folder, or the timeout. */
export class Waker {
  #watchers: fs.FSWatcher[] = [];
  #woken = false;
  #wake: (() => void) | null = null;

  constructor(private readonly clock: Clock, watch: { dataDir: string; folders: string[] }) {
    const file = wakeFile(watch.dataDir);
    if (!fs.existsSync(file)) fs.writeFileSync(file, "");
    for (const target of [file, ...watch.folders.filter((f) => fs.existsSync(f))]) {
      try {
        const w = fs.watch(target, { persistent: false }, () => this.poke());
        w.on("error", () => {}); // a watched folder removed: the poll still finds changes
        this.#watchers.push(w);
      } catch { /* no inotify here: the poll still finds changes */ }
    }
  }

  /** Wakes the current (or next) wait. */
  poke(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Resolves after `ms`, at a wake, or when `signal` aborts; a wake that came before the wait returns at once. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#woken || signal.aborted) {
      this.#woken = false;
      return;
    }
    const woken = new AbortController();
    this.#wake = () => woken.abort();
    const both = AbortSignal.any([signal, woken.signal]);
    try {
      await this.clock.sleep(ms, both);
    } finally {
      this.#wake = null;
      this.#woken = false;
    }
  }

  close(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
  }
}
