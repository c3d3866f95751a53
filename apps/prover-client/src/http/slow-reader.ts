import type { FastifyInstance } from "fastify";

/**
 * Cuts the connection of a client that has not taken its whole answer `timeoutMs` after it was
 * written. An answer the client does not read stays in this process's memory for as long as the
 * client keeps the connection, and a read needs no token: sixty connections that each asked for a
 * batch of task lists and stopped reading held over a gigabyte, a few hundred would end the
 * process. The clock starts with the answer, so a long call (a prune) is not cut while it runs;
 * the event stream, which answers for ever, drops its slow readers itself.
 */
export function cutSlowReaders(app: FastifyInstance, timeoutMs: number): void {
  app.addHook("onSend", (_request, reply, payload, done) => {
    const response = reply.raw;
    const deadline = setTimeout(() => response.destroy(), timeoutMs).unref();
    // Emitted once the answer is handed to the system, or the connection is gone.
    response.once("close", () => clearTimeout(deadline));
    done(null, payload);
  });
}
