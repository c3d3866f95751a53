import type { FastifyInstance } from "fastify";
import type { EventStream } from "./event-stream.js";

/** `GET /events`: the dashboard's live updates, read-only and so open without the token. */
export function registerEventsRoute(app: FastifyInstance, stream: EventStream): void {
  // Not fastify's HEAD from the GET: a HEAD's answer has no body, so the stream's writes were
  // dropped, its headers never left, and the client waited for good on a place it held.
  app.get("/events", { exposeHeadRoute: false }, (_request, reply) => {
    // The stream writes to the connection itself from now on; fastify sends nothing more.
    reply.hijack();
    if (!stream.subscribe(reply.raw)) {
      reply.raw.writeHead(503, { "Content-Type": "application/json", "Retry-After": "10" }).end(
        JSON.stringify({
          error: "too many event subscribers; close another dashboard or retry later",
        }),
      );
    }
  });
  app.head("/events", (_request, reply) =>
    reply.type("text/event-stream; charset=utf-8").header("Cache-Control", "no-store").send(),
  );
}
