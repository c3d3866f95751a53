/**
 * The EL thread: reads and decodes the EL node's big answers (execution witnesses, raw blocks) so
 * that neither their JSON nor their hex ever lands on the prover's main thread, whose event loop
 * answers RPC calls. Started by `ElThread`; one per process, serving every `ElClient`.
 */
import { getHeapStatistics } from "node:v8";
import { type MessagePort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { AnswerBudget, isJsonRpcCallError } from "@paas/jsonrpc";
import { ElClient, type ElClientOptions } from "../el-client.js";
import {
  DEFAULT_EL_THREAD_HEAP_MB,
  packWitness,
  serializeCallError,
  type ThreadAnswer,
  type ThreadRequest,
  type ThreadResponse,
  transferables,
} from "./protocol.js";

const port = (workerData as { port: MessagePort }).port;
const clients = new Map<string, ElClient>();
const running = new Map<number, AbortController>();

/**
 * How many times its size an answer may take of this thread's heap: answers of 32-byte items
 * (keys), the worst, took about 6 times their size while parsed and decoded. One JSON.parse that
 * passes the heap limit is not always stopped in time: V8 then aborts the whole process ("Reached
 * heap limit"), which the thread's limit is there to prevent, so no answer may come near it.
 */
const HEAP_PER_ANSWER_BYTE = 8;

/**
 * The largest answer this thread reads by default, from its real heap limit where that is lower
 * than the client's `threadHeapMb`: the thread was started by another client's call, or
 * --max-old-space-size overrides its limit (Node applies it to every thread).
 */
function answerCap(threadHeapMb: number): number {
  const heapBytes = Math.min(threadHeapMb * 1024 * 1024, getHeapStatistics().heap_size_limit);
  return Math.floor(heapBytes / HEAP_PER_ANSWER_BYTE);
}

/**
 * The answers this thread's calls read at once, whatever their number (`fetch_concurrency` may be
 * 64): each is capped (above), but their bodies are buffered outside the heap, which its limit does
 * not bound, and 64 calls could hold 64 caps. A quarter of the heap limit lets many usual witnesses
 * (a few MiB) be read at once, and the thread's memory stay within about 1.4 times its limit: the
 * answers being read take at most a quarter of it plus one answer (an eighth). Their parsing and
 * decoding, synchronous, take the heap one answer at a time.
 */
const budget = new AnswerBudget(Math.floor(getHeapStatistics().heap_size_limit / 4));

function clientFor(options: ElClientOptions): ElClient {
  const key = JSON.stringify(options);
  let client = clients.get(key);
  if (!client) {
    const { threadHeapMb = DEFAULT_EL_THREAD_HEAP_MB, maxResponseBytes = answerCap(threadHeapMb) } = options;
    client = new ElClient({ ...options, offThread: false, maxResponseBytes, answerBudget: budget });
    clients.set(key, client);
  }
  return client;
}

async function answer(request: Extract<ThreadRequest, { id: number }>, signal: AbortSignal) {
  const client = clientFor(request.client);
  const options = { signal, timeoutMs: request.timeoutMs };
  if (request.call.method === "getRawBlock") {
    const bytes = await client.getRawBlock(request.call.block, options);
    return { method: "getRawBlock", bytes } satisfies ThreadAnswer;
  }
  const witness = await client.getExecutionWitness(request.call.block, options);
  // A cancel that came while the answer was parsed and decoded (synchronous, so it waits in the
  // port's queue) is taken now: packing copies every byte once more, for an answer no one awaits.
  readQueued();
  signal.throwIfAborted();
  return packWitness(witness);
}

/** Handles the messages already queued on the port, at once rather than once this turn ends. */
function readQueued(): void {
  for (let queued = receiveMessageOnPort(port); queued; queued = receiveMessageOnPort(port)) {
    onRequest(queued.message as ThreadRequest);
  }
}

function onRequest(request: ThreadRequest): void {
  if ("cancel" in request) {
    running.get(request.cancel)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(request.id, controller);
  answer(request, controller.signal)
    .then(
      (answer) => {
        // The main thread forgot a cancelled call: its answer would be handed over to be dropped.
        readQueued();
        if (controller.signal.aborted) return;
        const response: ThreadResponse = { id: request.id, ok: true, answer };
        port.postMessage(response, transferables(answer));
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const response: ThreadResponse = isJsonRpcCallError(error)
          ? { id: request.id, ok: false, error: serializeCallError(error) }
          : { id: request.id, ok: false, unexpected: error instanceof Error ? error.message : String(error) };
        port.postMessage(response);
      },
    )
    .finally(() => running.delete(request.id));
}

port.on("message", onRequest);
