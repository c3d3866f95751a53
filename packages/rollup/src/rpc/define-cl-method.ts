import { defineMethod, type JsonRpcMethod, type MethodContext } from "@paas/jsonrpc";
import {
  CL_RPC,
  type ClMethodName,
  type ClParams,
  type ClResult,
  clParamsSchema,
  clResultSchema,
} from "./cl-protocol.js";

/**
 * A CL method for a server (the devnet): params are validated and decoded with the protocol's
 * schema, and the handler's typed result is encoded with the protocol's result schema, so the
 * server answers exactly what `ClClient` accepts.
 */
export function defineClMethod<M extends ClMethodName>(
  name: M,
  handler: (params: ClParams<M>, ctx: MethodContext) => ClResult<M> | Promise<ClResult<M>>,
): JsonRpcMethod {
  const result = clResultSchema(name);
  return defineMethod({
    params: clParamsSchema(name),
    mutates: CL_RPC[name].mutates,
    handler: async (params, ctx) => result.encode(await handler(params, ctx)),
  });
}
