import { JSON_RPC_MEDIA_TYPES, readBodyCapped } from "@paas/jsonrpc";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { refuse } from "./refusal.js";

/** Methods whose bodies fastify reads, when a parser takes their media type (see fastify's handle-request). */
const METHODS_FASTIFY_READS = new Set(["DELETE", "OPTIONS", "PATCH", "PUT", "POST", "QUERY"]);

/**
 * Reads (up to the cap) and drops a body fastify would leave unread — a GET's, a refused media
 * type's, a request whose URL fastify refuses — before any answer, as @paas/jsonrpc's server does:
 * bytes left on a kept-alive connection would be parsed as the next request, and fastify answers
 * that garbage with a 400 written after the real answer, which breaks the client's connection.
 * Answers 413 (and closes) when it is over the cap; false then.
 */
export async function dropUnreadBody(
  request: FastifyRequest,
  reply: FastifyReply,
  maxBodyBytes: number,
  { routed }: { readonly routed: boolean },
): Promise<boolean> {
  return !leftUnread(request, routed) || drop(request, reply, maxBodyBytes);
}

async function drop(request: FastifyRequest, reply: FastifyReply, maxBodyBytes: number): Promise<boolean> {
  if ((await readBodyCapped(request.raw, maxBodyBytes)) !== "too-large") return true;
  reply.header("Connection", "close");
  refuse(reply, 413, `request body exceeds ${maxBodyBytes} bytes`);
  return false;
}

/** Whether the request has a body that fastify will not read. */
function leftUnread(request: FastifyRequest, routed: boolean): boolean {
  const { headers } = request;
  const hasBody = headers["transfer-encoding"] !== undefined || Number(headers["content-length"] ?? 0) > 0;
  if (!hasBody) return false;
  const mediaType = (headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  return !(routed && METHODS_FASTIFY_READS.has(request.method) && JSON_RPC_MEDIA_TYPES.has(mediaType));
}

export function dropUnreadBodies(app: FastifyInstance, maxBodyBytes: number): void {
  // A callback hook, not an async one: every JSON-RPC call passes here, and most have nothing to
  // drop, so they go on at once instead of after a promise. An early answer ends the request.
  app.addHook("onRequest", (request, reply, done) => {
    if (!leftUnread(request, true)) return done();
    drop(request, reply, maxBodyBytes).then((read) => read && done(), done);
  });
}
