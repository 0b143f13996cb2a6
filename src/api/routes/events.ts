// `GET /api/v1/events` (SPEC §7): Server-Sent Events for job, datum, commit
// (and spout and spec) changes. Each message carries an id; a client that
// reconnects with Last-Event-ID first gets what it missed, or a `reset` when
// that is no longer kept (it should reload). A comment every 15 s keeps idle
// proxies from closing the stream.
import { Hono } from "hono";
import { SSE_KEEPALIVE } from "../../view/events.ts";
import type { EventHub, Numbered } from "../hub.ts";

const KEEPALIVE_MS = 15_000;

export function eventRoutes(hub: EventHub): Hono {
  const r = new Hono();
  r.get("/events", (c) => {
    const enc = new TextEncoder();
    const last = c.req.header("last-event-id") ?? c.req.query("last_event_id");
    const abort = c.req.raw.signal;
    let off = () => {};
    let timer: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        const send = (e: Numbered) => {
          try {
            ctl.enqueue(enc.encode(`id: ${e.id}\ndata: ${JSON.stringify(e.event)}\n\n`));
          } catch { /* the client went away */ }
        };
        ctl.enqueue(enc.encode("retry: 2000\n\n"));
        if (last) {
          const missed = hub.since(last);
          if (missed === null) ctl.enqueue(enc.encode(`data: ${JSON.stringify({ type: "reset" })}\n\n`));
          else missed.forEach(send);
        }
        const end = () => {
          off();
          clearInterval(timer);
          try {
            ctl.close();
          } catch { /* already closed */ }
        };
        off = hub.subscribe(send, end);
        timer = setInterval(() => {
          try {
            ctl.enqueue(enc.encode(SSE_KEEPALIVE));
          } catch { /* closed */ }
        }, KEEPALIVE_MS);
        abort.addEventListener("abort", end, { once: true });
      },
      cancel() {
        off();
        clearInterval(timer);
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no" } });
  });
  return r;
}
