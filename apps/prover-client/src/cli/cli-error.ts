import { PaasError } from "@paas/core/contracts";
import { isJsonRpcCallError } from "@paas/jsonrpc";
import { ZkvmError } from "@paas/zkvm/program";
import { terminalSafe } from "./terminal-text.js";

/**
 * How the CLI reports an error: for a failed RPC call, the server's error code and message; for
 * a typed local error, its code and message; a stack only for the unexpected.
 */
export function describeCliError(error: unknown): string {
  return terminalSafe(describe(error));
}

function describe(error: unknown): string {
  if (isJsonRpcCallError(error)) {
    const paasCode = (error.rpcData as { paasCode?: string } | undefined)?.paasCode;
    return `error${paasCode ? ` (${paasCode})` : ""}: ${error.message}`;
  }
  // The zkVM's typed errors (a host key file readable by others, a key the server does not sign
  // with) are not core's, since a proving worker must load them without @paas/core.
  if (error instanceof PaasError || error instanceof ZkvmError)
    return `error (${error.code}): ${error.message}`;
  // A file that cannot be written, a directory that does not exist: the message says it all.
  if (error instanceof Error && "syscall" in error) return `error: ${error.message}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
