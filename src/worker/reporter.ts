// A worker's results on their way to serve, in groups: each report starts as
// soon as the one before it is done and carries whatever finished meanwhile
// (as run/recorder.ts does for the database). Before a report, the outputs
// it names are made durable in the store (S3 flush, or PUT through serve).
import type { ObjectStore } from "../store/types.ts";
import type { WireResult } from "./protocol.ts";
import type { ServeStore } from "./servestore.ts";
import type { ServeClient } from "./client.ts";
import type { HeldLease } from "./lease.ts";

const MAX_PER_REPORT = 500;

export class Reporter {
  reported = 0;
  #pending: { lease: HeldLease; result: WireResult }[] = [];
  #loop: Promise<void> | null = null;

  constructor(private readonly o: { client: ServeClient; name: string; log: (line: string) => void }, private readonly serveStore: ServeStore, private readonly leaseDone: (l: HeldLease) => void) {}

  add(lease: HeldLease, result: WireResult): void {
    this.#pending.push({ lease, result });
    this.#loop ??= this.#run();
  }

  async drain(): Promise<void> {
    while (this.#loop) await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#pending.length) {
      const batch = this.#pending.splice(0, MAX_PER_REPORT);
      const stores = new Set<ObjectStore>(batch.map((b) => b.lease.store));
      const inline: string[] = [];
      try {
        for (const s of stores) await s.flush();
        const results = batch.map(({ lease, result }) => ({
          ...result,
          outputs: result.outputs.map((out) => {
            const data = lease.store === this.serveStore ? this.serveStore.inlineData(out.hash) : undefined;
            if (data !== undefined) inline.push(out.hash);
            return data === undefined ? out : { ...out, data };
          }),
        }));
        const answers = await this.o.client.retry(() => this.o.client.report(this.o.name, results));
        for (const a of answers) {
          if (a.status === "ok") this.reported++;
          // duplicate: another worker's report came first; gone: the job ended meanwhile. Neither is news.
          else if (a.status !== "duplicate" && a.status !== "gone") this.o.log(`calf worker: serve did not take datum ${a.datum}: ${a.status}${a.error ? `: ${a.error}` : ""}`);
        }
        this.serveStore.forget(inline);
      } catch (err) {
        // Serve stayed away through every retry: these datums' leases lapse and others redo them.
        this.o.log(`calf worker: could not report ${batch.length} datum${batch.length === 1 ? "" : "s"}: ${(err as Error).message}`);
      }
      for (const { lease } of batch) if (--lease.left === 0) this.leaseDone(lease);
    }
    this.#loop = null;
  }
}
