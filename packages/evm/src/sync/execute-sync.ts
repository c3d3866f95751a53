import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { EvmError } from "../errors.js";
import {
  deserializeError,
  type SyncRequest,
  type SyncResponse,
  type SyncStatelessInput,
  type SyncStatelessResult,
} from "./protocol.js";
import { BLOCKS_DONE, DONE, SIGNAL_BYTES } from "./signal.js";

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
  /**
   * How long to block without a block of the range being proven before giving up (the helper
   * thread may have died, which a caller blocked in `Atomics.wait` cannot see). Default: 10
   * minutes. It bounds each block, not the range: a range takes as long as its blocks do.
   */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 600_000;

/** How often the blocked caller looks at the helper's progress. */
const PROGRESS_CHECK_MS = 250;

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
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = new Int32Array(new SharedArrayBuffer(SIGNAL_BYTES));
  const request: SyncRequest = { input, signal };
  helper.port.postMessage(request);
  const finished = waitWhileProgressing(signal, timeoutMs);
  const message = finished ? receiveMessageOnPort(helper.port) : undefined;
  if (message === undefined) {
    void helper.worker.terminate();
    helper = undefined;
    throw new EvmError(
      "EXECUTION_STALLED",
      `synchronous stateless execution stalled: no block finished within ${timeoutMs} ms ` +
        `(${Atomics.load(signal, BLOCKS_DONE)} of ${input.blocks.length} blocks done)`,
    );
  }
  const response = message.message as SyncResponse;
  if (!response.ok) throw deserializeError(response.error);
  return { chainSpecHash: response.chainSpecHash, commitments: response.commitments };
}

/**
 * Blocks until the helper posts its answer (true), or until `timeoutMs` pass without the helper
 * proving a block (false). A long range is not a stalled one: only a block that does not finish
 * (or a helper that died) is.
 */
function waitWhileProgressing(signal: Int32Array, timeoutMs: number): boolean {
  let blocksDone = 0;
  let deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    if (Atomics.wait(signal, DONE, 0, Math.min(left, PROGRESS_CHECK_MS)) !== "timed-out") return true;
    const now = Atomics.load(signal, BLOCKS_DONE);
    if (now !== blocksDone) {
      blocksDone = now;
      deadline = performance.now() + timeoutMs;
    }
  }
}

/** Stops the helper thread, if one was started. */
export async function closeSyncExecutor(): Promise<void> {
  const running = helper;
  helper = undefined;
  await running?.worker.terminate();
}
