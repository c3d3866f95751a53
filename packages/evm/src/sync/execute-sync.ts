import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { EvmError } from "../errors.js";
import {
  deserializeError,
  type SyncRequest,
  type SyncResponse,
  type SyncStatelessInput,
  type SyncStatelessResult,
} from "./protocol.js";

interface Helper {
  readonly worker: Worker;
  readonly port: MessagePort;
}

let helper: Helper | undefined;

/**
 * Built (dist/), the helper is the compiled helper-thread.js, run by plain node; beside the
 * TypeScript sources, a JavaScript shim that registers tsx before loading it.
 */
const HELPER_ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("./helper-shim.mjs", import.meta.url)
  : new URL("./helper-thread.js", import.meta.url);

function startHelper(): Helper {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(HELPER_ENTRY, {
    workerData: { port: port2 },
    transferList: [port2],
    execArgv: [],
  });
  // The helper must never keep a process alive on its own.
  worker.unref();
  port1.unref();
  return { worker, port: port1 };
}

export interface SyncOptions {
  /** How long to block before giving up. Default: 10 minutes. */
  readonly timeoutMs?: number;
}

/**
 * `executeBlocksStatelessly`, run to completion synchronously, for callers that cannot await (a
 * synchronous zkVM guest). The library's block execution is asynchronous throughout, and Node
 * cannot drain promises from a synchronous call; so the work runs on a helper thread (started on
 * first use, about a second, and reused) while this thread blocks on `Atomics.wait`. Returns the
 * commitments with the hash of the chain spec applied, or throws the same typed errors as the
 * asynchronous form.
 */
export function executeBlocksStatelesslySync(
  input: SyncStatelessInput,
  options: SyncOptions = {},
): SyncStatelessResult {
  helper ??= startHelper();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const request: SyncRequest = { input, signal };
  helper.port.postMessage(request);
  const outcome = Atomics.wait(signal, 0, 0, options.timeoutMs ?? 600_000);
  const message = receiveMessageOnPort(helper.port);
  if (outcome === "timed-out" || message === undefined) {
    void helper.worker.terminate();
    helper = undefined;
    throw new EvmError("EXECUTION_STALLED", "synchronous stateless execution did not finish in time");
  }
  const response = message.message as SyncResponse;
  if (!response.ok) throw deserializeError(response.error);
  return { chainSpecHash: response.chainSpecHash, commitments: response.commitments };
}

/** Stops the helper thread, if one was started. */
export async function closeSyncExecutor(): Promise<void> {
  const running = helper;
  helper = undefined;
  await running?.worker.terminate();
}
