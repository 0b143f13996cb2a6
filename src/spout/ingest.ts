// From FIFO chunks to finished archives: frames the stream, streams each
// file's bytes straight into the object store (never to a folder, never whole
// in memory), and reports each archive once it is complete, rejected or cut
// short. Knows nothing of commits; the caller decides what an archive becomes.
import type { ObjectStore, ObjectWriter, WriterSource } from "../store/types.ts";
import { diskFullReason, isDiskFull } from "../errors.ts";
import { TarFramer, type TarEvent } from "./framing.ts";
import { crashPoint } from "../crash.ts";

/** A file of an archive, already in the object store. */
export interface StoredEntry {
  path: string;
  hash: string;
  size: number;
}

export type ArchiveOutcome =
  | { kind: "complete"; archive: number; files: StoredEntry[] }
  /** `failed`: calf could not store it (the disk is full); the stream goes on with the next archive. */
  | { kind: "rejected" | "truncated" | "failed"; archive: number; reason: string };

/**
 * Frames `chunks` (`null` marks an end of file) and consumes them to the end,
 * calling `onArchive` for every archive in stream order (awaited: the stream
 * waits while an archive is committed). A chunk is used up before the next one
 * is asked for, so the source may reuse its buffer. File bytes go to the store
 * synchronously: nothing is awaited per chunk but the chunk itself.
 */
export async function ingest(chunks: AsyncIterable<Uint8Array | null>, store: ObjectStore, onArchive: (a: ArchiveOutcome) => Promise<void>, framer = new TarFramer()): Promise<void> {
  const writers = store.writers();
  const archives = new Archives(writers, onArchive);
  try {
    for await (const c of chunks) {
      for (const ev of c === null ? framer.end() : framer.feed(c)) await archives.on(ev);
    }
    for (const ev of framer.end()) await archives.on(ev);
  } finally {
    archives.abort();
    await writers.close();
  }
}

/** Collects the files of the archive in progress, one object writer at a time. */
class Archives {
  #files: StoredEntry[] = [];
  #file: { path: string; out: ObjectWriter } | null = null;
  /** Why the archive in progress cannot be stored (a full disk): its remaining events are ignored. */
  #failed: string | null = null;

  constructor(
    readonly writers: WriterSource,
    readonly onArchive: (a: ArchiveOutcome) => Promise<void>,
  ) {}

  async on(ev: TarEvent): Promise<void> {
    if (ev.type === "entry" || ev.type === "data" || ev.type === "entryEnd") {
      if (this.#failed !== null) return;
      try {
        this.#store(ev);
      } catch (err) {
        if (!isDiskFull(err)) throw err;
        // Like a bad archive: this one is dropped whole (the spout's log says why), the next may fit.
        this.abort();
        this.#failed = `calf could not store it: ${diskFullReason(err)}`;
      }
      return;
    }
    // The end of an archive, one way or another. A file still open was cut short.
    this.abort();
    const files = this.#files;
    const failed = this.#failed;
    this.#files = [];
    this.#failed = null;
    if (ev.type === "archiveEnd" && failed !== null) await this.onArchive({ kind: "failed", archive: ev.archive, reason: failed });
    else if (ev.type === "archiveEnd") await this.onArchive({ kind: "complete", archive: ev.archive, files });
    else await this.onArchive({ kind: ev.type, archive: ev.archive, reason: ev.reason });
  }

  #store(ev: Extract<TarEvent, { type: "entry" | "data" | "entryEnd" }>): void {
    switch (ev.type) {
      case "entry":
        if (ev.kind === "file") this.#file = { path: ev.path, out: this.writers.next() };
        return;
      case "data":
        this.#file?.out.write(ev.bytes);
        return;
      case "entryEnd":
        if (this.#file) this.#files.push({ path: this.#file.path, ...this.#file.out.close() });
        crashPoint("spout.entry");
        this.#file = null;
        return;
    }
  }

  /** Drops the file being written, if any. */
  abort(): void {
    this.#file?.out.abort();
    this.#file = null;
  }
}
