import type { ServerResponse } from "node:http";

/**
 * Cuts the connection of a client that has not taken its whole answer `timeoutMs` after the
 * answer was written. An answer the client does not read stays in the server's memory, and holds
 * one of its connections, for as long as the client keeps the connection; a read needs no token,
 * so a few hundred such clients lock everyone else out. Call it when the answer is written (a
 * fastify `onSend` hook), so a long call is not cut while it runs. The one rule for our HTTP
 * servers (the prover client's, the reference proving server's).
 */
export function cutIfUnread(response: ServerResponse, timeoutMs: number): void {
  const deadline = setTimeout(() => response.destroy(), timeoutMs).unref();
  // Emitted once the answer is handed to the system, or the connection is gone.
  response.once("close", () => clearTimeout(deadline));
}
