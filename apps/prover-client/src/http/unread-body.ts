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
  const { headers } = request;
  const hasBody = headers["transfer-encoding"] !== undefined || Number(headers["content-length"] ?? 0) > 0;
  if (!hasBody) return true;
  const mediaType = (headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (routed && METHODS_FASTIFY_READS.has(request.method) && JSON_RPC_MEDIA_TYPES.has(mediaType)) return true;
  if ((await readBodyCapped(request.raw, maxBodyBytes)) !== "too-large") return true;
  reply.header("Connection", "close");
  refuse(reply, 413, `request body exceeds ${maxBodyBytes} bytes`);
  return false;
}

export function dropUnreadBodies(app: FastifyInstance, maxBodyBytes: number): void {
  app.addHook("onRequest", async (request, reply) => {
    if (!(await dropUnreadBody(request, reply, maxBodyBytes, { routed: true }))) return reply;
  });
}
