import type { Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Keeps at most `max` sockets open: the one rule for our HTTP servers (the prover client's, the
 * reference proving server's). At the cap a new connection closes the one that has gone
 * longest without a request in progress: idle between requests, or never done sending its
 * request's headers. Only when every other socket is serving a request is the newcomer itself
 * closed. Node's `maxConnections` always drops the newcomer instead: `max` sockets opened and left
 * silent, which takes no token, locked every client out until Node's header timeout closed them,
 * and again as soon as they were opened anew.
 */
export function capConnections(server: Server, max: number): void {
  // In the order each became idle, so the first is the one idle the longest.
  const idle = new Set<Socket>();
  const requestsOn = new Map<Socket, number>();
  // Not yet closed, less those closed here: their close comes later, and counted meanwhile they
  // would each make the next arrival close one more.
  const open = new Set<Socket>();

  server.on("connection", (socket: Socket) => {
    open.add(socket);
    idle.add(socket);
    socket.once("close", () => {
      open.delete(socket);
      idle.delete(socket);
      requestsOn.delete(socket);
    });
    if (open.size <= max) return;
    const longestIdle = idle.values().next().value!;
    open.delete(longestIdle);
    idle.delete(longestIdle);
    longestIdle.destroy();
  });

  // Pipelined requests on one socket are counted, so it is idle again only after the last answer.
  server.on("request", (request, response) => {
    const socket = request.socket;
    idle.delete(socket);
    requestsOn.set(socket, (requestsOn.get(socket) ?? 0) + 1);
    response.once("close", () => {
      const left = (requestsOn.get(socket) ?? 1) - 1;
      if (left > 0) {
        requestsOn.set(socket, left);
        return;
      }
      requestsOn.delete(socket);
      if (!socket.destroyed) idle.add(socket);
    });
  });
}
