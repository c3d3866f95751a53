import { failureResponse, RpcErrorCode } from "@paas/jsonrpc";
import type { FastifyReply } from "fastify";

/**
 * A refusal outside any JSON-RPC call (wrong path, method, media type, size): still a JSON-RPC
 * error body, so any client reads why, as @paas/jsonrpc's own server answers.
 */
export function refuse(
  reply: FastifyReply,
  status: number,
  message: string,
  code: number = RpcErrorCode.INVALID_REQUEST,
): FastifyReply {
  return reply
    .code(status)
    .type("application/json")
    .send(JSON.stringify(failureResponse(null, { code, message })));
}
