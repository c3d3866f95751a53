import { foreignHostMessage } from "@paas/core";
import type { FastifyInstance } from "fastify";
import { refuse } from "./refusal.js";

/**
 * Refuses, before anything else runs, a request whose `Host` the server does not answer: on
 * loopback, a page rebound to 127.0.0.1 (see core's `hostCheck`) must not reach the RPC or the
 * dashboard. The body is never read, so the connection closes after the answer.
 */
export function refuseForeignHosts(
  app: FastifyInstance,
  acceptsHost: (hostHeader: string | undefined) => boolean,
): void {
  app.addHook("onRequest", (request, reply, done) => {
    const host = request.headers.host;
    if (acceptsHost(host)) return done();
    reply.header("Connection", "close");
    refuse(reply, 403, foreignHostMessage(host, "rpc.allowed_hosts"));
  });
}
