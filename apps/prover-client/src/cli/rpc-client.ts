import { InvalidParamsError } from "@paas/core/contracts";
import type { JsonRpcClient, JsonRpcParams, ValidatedCallOptions } from "@paas/jsonrpc";

export interface ClientFlags {
  readonly rpc: string;
  readonly token?: string;
  /** The prover client's data directory: its rpc-token is used when no token is given. */
  readonly datadir: string;
  /** `--rpc` was not given and no rpc-token in `--datadir` named a URL: the default was taken. */
  readonly rpcDefaulted?: boolean;
}

export const DEFAULT_RPC_URL = "http://127.0.0.1:4844";

/**
 * The client a command calls the server with. @paas/jsonrpc is loaded here, when a command runs,
 * not with the command's definition: `paas --help` and `paas --version` do without it.
 */
export async function rpcClient(flags: ClientFlags): Promise<JsonRpcClient> {
  if (!URL.canParse(flags.rpc) || !/^https?:$/.test(new URL(flags.rpc).protocol)) {
    throw new InvalidParamsError(`--rpc: "${flags.rpc}" is not an http(s) URL (e.g. ${DEFAULT_RPC_URL})`);
  }
  const jsonrpc = await import("@paas/jsonrpc");
  // An empty token (PAAS_RPC_TOKEN= as an env file's placeholder) is none: the data directory's counts.
  const local = flags.token ? undefined : await localToken(flags);
  const token = flags.token || local?.token;
  const options = { url: flags.rpc, timeoutMs: 30_000, ...(token !== undefined && { bearerToken: token }) };
  // No token goes with the call: a refusal then says why, which the server cannot know. A client
  // started with another data directory (or stopped, its file deleted) is the usual cause.
  const tokenHint =
    token !== undefined
      ? undefined
      : local?.otherUrl !== undefined
        ? ` (the rpc-token in ${flags.datadir} is for ${local.otherUrl}, so none was sent to ${flags.rpc}: use that URL as --rpc, or give --token)`
        : ` (none was sent: no --token or PAAS_RPC_TOKEN, and no rpc-token in ${flags.datadir}, which a prover client started there writes: give --datadir <its data directory> or --token)`;
  // The default URL, tried for want of an rpc-token in --datadir: "4844 unreachable" alone had an
  // operator who named the data directory of a stopped instance look for a client on a port never
  // mentioned.
  const unreachableHint = flags.rpcDefaulted
    ? ` (no --rpc, and no rpc-token in ${flags.datadir} naming its prover client's URL, so the default was tried: the client of that data directory is stopped, or runs with rpc.auth_token; give --rpc <its URL>)`
    : undefined;
  // A port typed wrong can lead to another JSON-RPC server (a devnet, an EL node): "method
  // paas_listTasks not found" alone did not say that --rpc names no prover client.
  const notProverHint = (method: string) =>
    ` (${flags.rpc} answers JSON-RPC without ${method}: no prover client listens there, or one older than this command; check --rpc)`;
  return new (class extends jsonrpc.JsonRpcClient {
    override async call<T>(
      method: string,
      params?: JsonRpcParams,
      callOptions?: ValidatedCallOptions<T>,
    ): Promise<T> {
      try {
        return await super.call<T>(method, params, callOptions);
      } catch (error) {
        if (jsonrpc.isJsonRpcCallError(error)) {
          if (tokenHint !== undefined && error.rpcCode === jsonrpc.RpcErrorCode.UNAUTHORIZED) {
            error.message += tokenHint;
          }
          if (unreachableHint !== undefined && error.failure === "unreachable")
            error.message += unreachableHint;
          if (error.rpcCode === jsonrpc.RpcErrorCode.METHOD_NOT_FOUND) error.message += notProverHint(method);
        }
        throw error;
      }
    }
  })(options);
}

/**
 * The token a prover client on this machine wrote to its data directory at start, sent only to
 * the server it names (the same scheme, host and port as `--rpc`): anything else listening, on a
 * port typed wrong, is not given it. `otherUrl`: the file names another server (`localhost`
 * against `127.0.0.1`, another port).
 */
async function localToken(flags: ClientFlags): Promise<{ token?: string; otherUrl?: string } | undefined> {
  const { readRpcTokenFile } = await import("@paas/jsonrpc");
  const written = readRpcTokenFile(flags.datadir);
  if (written === undefined || !URL.canParse(written.url)) return undefined;
  return new URL(written.url).origin === new URL(flags.rpc).origin
    ? { token: written.token }
    : { otherUrl: written.url };
}

/**
 * The server a command talks to when `--rpc` is not given: the one a prover client running on the
 * data directory wrote in its rpc-token file (a start with `--port 9000` or `PAAS_RPC__PORT` is
 * found without repeating the port); undefined when none does (the caller takes DEFAULT_RPC_URL).
 */
export async function localServerUrl(datadir: string): Promise<string | undefined> {
  const { readRpcTokenFile } = await import("@paas/jsonrpc");
  const written = readRpcTokenFile(datadir)?.url;
  return written !== undefined && URL.canParse(written) ? written : undefined;
}

/**
 * A task on the command line: its 32-hex-digit key, or a context as JSON (then `--backend`
 * completes the TaskId).
 */
export function parseTaskArg(
  arg: string,
  backend: string | undefined,
): string | { context: unknown; backend?: string } {
  if (/^[0-9a-f]{32}$/.test(arg)) return arg;
  try {
    return { context: JSON.parse(arg), ...(backend !== undefined && { backend }) };
  } catch {
    throw new InvalidParamsError(`"${arg}" is neither a task key (32 hex digits) nor a JSON context`);
  }
}
