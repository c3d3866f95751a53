import { PaasError } from "@paas/core/contracts";
import { PAAS_ERROR_RPC_CODES, RpcErrorCode } from "../codes.js";
import { JsonRpcError } from "../errors.js";
import type { JsonRpcErrorObject } from "../protocol.js";

/** What the caller sees for an unexpected exception: nothing of its message or stack. */
export const INTERNAL_ERROR: JsonRpcErrorObject = {
  code: RpcErrorCode.INTERNAL_ERROR,
  message: "internal error",
};

/**
 * Turns whatever a handler threw into the error object sent back. Only errors written to be shown
 * (`JsonRpcError`, core's typed `PaasError`) pass their message through; `data.paasCode` keeps the
 * core code so a client can branch on it by name.
 */
export function toErrorObject(error: unknown): JsonRpcErrorObject {
  if (error instanceof JsonRpcError) return error.toErrorObject();
  if (error instanceof PaasError) {
    return { code: PAAS_ERROR_RPC_CODES[error.code], message: error.message, data: { paasCode: error.code } };
  }
  return INTERNAL_ERROR;
}
