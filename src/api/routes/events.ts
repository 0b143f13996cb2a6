// `GET /api/v1/events` (SPEC §7): Server-Sent Events for job, datum, commit
// (and spout and spec) changes. Each message carries an id; a client that
// reconnects with Last-Event-ID first gets what it missed, or a `reset` when
// that is no longer kept (it should reload). A comment every 15 s keeps idle
// proxies from closing the stream. A client that stops reading is cut off
// once MAX_BEHIND events wait for it (it may reconnect and resume), and at
// most `maxStreams` streams are open at once (the next gets a 503).
import { Hono } from "hono";
import { SSE_KEEPALIVE } from "../../view/events.ts";
import type { EventHub, Numbered } from "../hub.ts";

const KEEPALIVE_MS = 15_000;
/** Events queued for one client (beyond a resume's backlog) before serve lets it go: no memory grows for a stalled reader. */
const MAX_BEHIND = 1000;
/** Event streams open at once: each holds up to MAX_BEHIND events, so this bounds their memory. */
export const MAX_STREAMS = 256;

export function eventRoutes(hub: EventHub, maxStreams = MAX_STREAMS): Hono {
  const r = new Hono();
  let streams = 0;
  r.get("/events", (c) => {
    if (streams >= maxStreams) {
      return c.json({ error: `${streams} event streams are open, the most serve keeps`, hint: "close another one (a status page tab) and reconnect" }, 503, { "Retry-After": "5" });
    }
    streams++;
    let counted = true;
    const release = () => {
      if (counted) streams--;
      counted = false;
    };
    const enc = new TextEncoder();
    const last = c.req.header("last-event-id") ?? c.req.query("last_event_id");
    const abort = c.req.raw.signal;
    let off = () => {};
    let timer: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        const end = (err?: Error) => {
          release();
          off();
          clearInterval(timer);
          try {
            if (err) ctl.error(err);
            else ctl.close();
          } catch { /* already closed */ }
        };
        let floor = -MAX_BEHIND;
        const send = (e: Numbered) => {
          // Chunks queued, not yet taken by the socket: erroring drops them and ends the response.
          if ((ctl.desiredSize ?? 0) < floor) return end(new Error("the client stopped reading the event stream"));
          try {
            ctl.enqueue(enc.encode(`id: ${e.id}\ndata: ${JSON.stringify(e.event)}\n\n`));
          } catch { /* the client went away */ }
        };
        ctl.enqueue(enc.encode("retry: 2000\n\n"));
        if (last) {
          const missed = hub.since(last);
          if (missed === null) ctl.enqueue(enc.encode(`data: ${JSON.stringify({ type: "reset" })}\n\n`));
          else {
            floor -= missed.length;
            missed.forEach(send);
          }
        }
        off = hub.subscribe(send, () => end());
        timer = setInterval(() => {
          try {
            ctl.enqueue(enc.encode(SSE_KEEPALIVE));
          } catch { /* closed */ }
        }, KEEPALIVE_MS);
        abort.addEventListener("abort", () => end(), { once: true });
      },
      cancel() {
        release();
        off();
        clearInterval(timer);
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no" } });
  });
  return r;
}
