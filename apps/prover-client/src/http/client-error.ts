import type { Socket } from "node:net";
import { failureResponse, RpcErrorCode } from "@paas/jsonrpc";

/** What Node's HTTP server keeps on a socket while it answers a request there. */
type AnsweringSocket = Socket & { _httpMessage?: { readonly headersSent: boolean } | null };

const ANSWERS: Readonly<Record<string, readonly [status: number, reason: string, message: string]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "the request was not received in time"],
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "the request's headers are too large"],
};
const UNREADABLE = [400, "Bad Request", "the request is not readable HTTP"] as const;

/**
 * Answers bytes Node's HTTP parser cannot read as a request (fastify's `clientErrorHandler`), then
 * closes the connection. Unlike fastify's default, it writes nothing while the answer to the
 * request before them is on its way, as Node's own default does: a GET whose body was sent without
 * a length is answered at once, and its body then fails as a next request; a 400 written after an
 * answer that said `Connection: close` reaches the client as a broken stream instead of its answer.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const answering = (socket as AnsweringSocket)._httpMessage;
  if (socket.writable && !answering?.headersSent) {
    const [status, reason, message] = ANSWERS[error.code ?? ""] ?? UNREADABLE;
    const body = JSON.stringify(failureResponse(null, { code: RpcErrorCode.INVALID_REQUEST, message }));
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
