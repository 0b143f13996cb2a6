// From FIFO chunks to finished archives: frames the stream, streams each
// file's bytes straight into the object store (never to a folder, never whole
// in memory), and reports each archive once it is complete, rejected or cut
// short. Knows nothing of commits; the caller decides what an archive becomes.
import type { ObjectStore } from "../store/objects.ts";
import { TarFramer, type TarEvent } from "./framing.ts";

/** A file of an archive, already in the object store. */
export interface StoredEntry {
  path: string;
  hash: string;
  size: number;
}

export type ArchiveOutcome =
  | { kind: "complete"; archive: number; files: StoredEntry[] }
  | { kind: "rejected" | "truncated"; archive: number; reason: string };

/** Tar events for a chunk stream in which `null` marks an end of file. */
export async function* tarEvents(chunks: AsyncIterable<Uint8Array | null>, framer = new TarFramer()): AsyncGenerator<TarEvent> {
  for await (const c of chunks) yield* c === null ? framer.end() : framer.feed(c);
  yield* framer.end();
}

/** A non-data event that arrived while a file was being stored. */
class Interrupted extends Error {
  readonly event: TarEvent;
  constructor(event: TarEvent) {
    super(`archive interrupted by a ${event.type} event`);
    this.event = event;
  }
}

/**
 * Consumes `events` to the end, calling `onArchive` for every archive in
 * stream order (awaited: the stream waits while an archive is committed).
 */
export async function ingest(events: AsyncIterator<TarEvent>, store: ObjectStore, onArchive: (a: ArchiveOutcome) => Promise<void>): Promise<void> {
  let files: StoredEntry[] = [];
  /** Acts on an event that is not part of a file: the end of an archive, one way or another. */
  const finish = async (ev: TarEvent) => {
    if (ev.type !== "archiveEnd" && ev.type !== "rejected" && ev.type !== "truncated") return; // folders
    const kept = files;
    files = [];
    if (ev.type === "archiveEnd") await onArchive({ kind: "complete", archive: ev.archive, files: kept });
    else await onArchive({ kind: ev.type, archive: ev.archive, reason: ev.reason });
  };
  for (;;) {
    const r = await events.next();
    if (r.done) return;
    const ev = r.value;
    if (ev.type !== "entry" || ev.kind !== "file") {
      await finish(ev);
      continue;
    }
    try {
      const obj = await store.putStream(bodyOf(events));
      files.push({ path: ev.path, hash: obj.hash, size: obj.size });
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
      await finish(err.event);
    }
  }
}

/** The data events of the current entry, up to its entryEnd. */
async function* bodyOf(events: AsyncIterator<TarEvent>): AsyncGenerator<Uint8Array> {
  for (;;) {
    const r = await events.next();
    if (r.done) throw new Interrupted({ type: "truncated", archive: 0, reason: "the stream ended inside an entry" });
    if (r.value.type === "data") yield r.value.bytes;
    else if (r.value.type === "entryEnd") return;
    else throw new Interrupted(r.value);
  }
}
