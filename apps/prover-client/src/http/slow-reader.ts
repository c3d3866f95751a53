import { cutIfUnread } from "@paas/core";
import type { FastifyInstance } from "fastify";

/**
 * Cuts the connection of a client that has not taken its whole answer `timeoutMs` after it was
 * written (core's `cutIfUnread`): sixty connections that each asked for a batch of task lists and
 * stopped reading held over a gigabyte here. The event stream, which answers for ever, drops its
 * slow readers itself.
 */
export function cutSlowReaders(app: FastifyInstance, timeoutMs: number): void {
  app.addHook("onSend", (_request, reply, payload, done) => {
    cutIfUnread(reply.raw, timeoutMs);
    done(null, payload);
  });
}
