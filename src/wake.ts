// How a runner learns at once that there is work (SPEC §2: a data command's
// change is picked up "at once", not at the next poll): every process that
// is not the runner touches <data-dir>/wake after each committed write; the
// runner watches that file (inotify through fs.watch), the pipelines folder
// and, recursively, the folders of folder-backed repos (a burst of changes
// there wakes it once, DEBOUNCE_MS after the last), and wakes from its wait.
// The wait's timeout stays as the fallback (and for cron ticks).
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

/** Quiet time after a change in a folder-backed repo's folder before the runner wakes (an editor's save is several events). */
const DEBOUNCE_MS = 25;
/** A folder that never stops changing still wakes the runner this often. */
const MAX_DEBOUNCE_MS = 100;

/** The runner's side: waits until a wake, a change in a watched folder, or the timeout. */
export class Waker {
  #watchers: fs.FSWatcher[] = [];
  #woken = false;
  #wake: (() => void) | null = null;
  /** Folder-backed repos' folders, watched recursively. */
  #folders = new Map<string, fs.FSWatcher>();
  #debounce: ReturnType<typeof setTimeout> | null = null;
  #firstChange = 0;

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

  /** Watches exactly these folders (recursively) from now on; a change in one wakes the runner after DEBOUNCE_MS of quiet. */
  watchFolders(folders: string[]): void {
    const want = new Set(folders);
    for (const [f, w] of this.#folders) {
      if (want.has(f)) continue;
      w.close();
      this.#folders.delete(f);
    }
    for (const f of want) {
      if (this.#folders.has(f)) continue;
      try {
        const w = fs.watch(f, { recursive: true, persistent: false }, () => this.#changed());
        // Gone (the folder was removed): the next pass reports it, and watches it again once it is back.
        w.on("error", () => {
          w.close();
          if (this.#folders.get(f) === w) this.#folders.delete(f);
        });
        this.#folders.set(f, w);
      } catch { /* missing, or no inotify: the poll still finds changes */ }
    }
  }

  #changed(): void {
    const now = this.clock.now().getTime();
    if (this.#debounce) clearTimeout(this.#debounce);
    else this.#firstChange = now;
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, this.#firstChange + MAX_DEBOUNCE_MS - now));
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      this.poke();
    }, wait);
  }

  close(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    this.watchFolders([]);
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = null;
  }
}
