import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { errorMessage } from "@paas/core/contracts";
import { type CallOptions, callError } from "@paas/jsonrpc";
import type { ElClientOptions } from "../el-client.js";
import type { ExecutionWitness } from "../el-types.js";
import {
  DEFAULT_EL_THREAD_HEAP_MB,
  deserializeCallError,
  type ThreadAnswer,
  type ThreadedCall,
  type ThreadRequest,
  type ThreadResponse,
  unpack,
} from "./protocol.js";

/**
 * Built (dist/), the thread runs the compiled thread.js with plain node; beside the TypeScript
 * sources, a JavaScript shim that registers tsx before loading it.
 */
const ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("./entry.mjs", import.meta.url)
  : new URL("./thread.js", import.meta.url);

interface Waiting {
  readonly call: ThreadedCall;
  readonly resolve: (answer: ThreadAnswer) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The main thread's side of the EL thread (see thread.ts): one thread per process, started on
 * first use and never keeping the process alive on its own. A witness of a 64-block range is tens
 * of megabytes of JSON; read here, its parsing, hex decoding and the garbage they leave held the
 * event loop for 10–40 ms at a time (mark-compact pauses included) while other calls waited.
 */
class ElThread {
  private port: MessagePort | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  async call(client: ElClientOptions, call: ThreadedCall, options: CallOptions): Promise<ThreadAnswer> {
    const { signal } = options;
    if (signal?.aborted) throw aborted(call, signal.reason);
    const port = this.start(client.threadHeapMb ?? DEFAULT_EL_THREAD_HEAP_MB);
    const id = this.nextId++;
    const request: ThreadRequest = { id, client, call, timeoutMs: options.timeoutMs };
    return new Promise<ThreadAnswer>((resolve, reject) => {
      const onAbort = () => {
        this.settle(id);
        port.postMessage({ cancel: id } satisfies ThreadRequest);
        reject(aborted(call, signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.set(id, {
        call,
        resolve: (answer) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(answer);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
      if (this.waiting.size === 1) port.ref();
      port.postMessage(request);
    });
  }

  private start(heapMb: number): MessagePort {
    if (this.port) return this.port;
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(ENTRY, {
      workerData: { port: port2 },
      transferList: [port2],
      // Without its own limit, the thread could grow as far as the process's, and the process
      // would run out of memory with it.
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    worker.unref();
    port1.on("message", (response: ThreadResponse) => this.answered(response));
    port1.unref();
    // The thread died (out of memory on a huge witness, a bug): its calls fail as the node being
    // unreachable would, transient and naming their method, and the next call starts a new thread.
    worker.on("error", (error) => this.failAll(threadFailure(error, heapMb), error));
    worker.on("exit", (code) => {
      this.port = undefined;
      this.failAll(`the EL thread exited with code ${code}`);
    });
    this.port = port1;
    return port1;
  }

  private answered(response: ThreadResponse): void {
    const waiting = this.settle(response.id);
    if (!waiting) return; // aborted meanwhile
    if (response.ok) waiting.resolve(response.answer);
    else if ("error" in response) waiting.reject(deserializeCallError(response.error));
    else waiting.reject(new Error(`the EL thread failed: ${response.unexpected}`));
  }

  /** Forgets call `id`; while no call waits, the thread does not keep the process alive. */
  private settle(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.port?.unref();
    return waiting;
  }

  private failAll(why: string, cause?: unknown): void {
    for (const id of [...this.waiting.keys()]) {
      const waiting = this.settle(id);
      waiting?.reject(
        callError(false, `${why} before answering`, {
          method: methodOf(waiting.call),
          failure: "unreachable",
          cause,
        }),
      );
    }
  }
}

/** Why the thread's calls fail; running out of memory says which limit, and where it is set. */
function threadFailure(error: Error, heapMb: number): string {
  if ((error as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY") {
    return `the EL thread ran out of memory (its heap limit is ${heapMb} MiB, the EL client's threadHeapMb)`;
  }
  return `the EL thread failed (${errorMessage(error)})`;
}

/** What the call would have thrown on this thread when its caller gives up. */
function aborted(call: ThreadedCall, reason: unknown) {
  return callError(false, "aborted by the caller", {
    method: methodOf(call),
    failure: "aborted",
    cause: reason,
  });
}

/** The JSON-RPC method a threaded call makes, which its errors name. */
function methodOf(call: ThreadedCall): string {
  return call.method === "getRawBlock" ? "debug_getRawBlock" : "debug_executionWitness";
}

const thread = new ElThread();

/** Makes `method` on the EL thread; the answer is the one for that method. */
async function offThread<M extends ThreadedCall["method"]>(
  client: ElClientOptions,
  method: M,
  block: ThreadedCall["block"],
  options: CallOptions,
): Promise<Extract<ThreadAnswer, { method: M }>> {
  const answer = await thread.call(client, { method, block }, options);
  if (answer.method !== method) throw new Error(`the EL thread answered ${answer.method}, not ${method}`);
  return answer as Extract<ThreadAnswer, { method: M }>;
}

export async function rawBlockOffThread(
  client: ElClientOptions,
  block: ThreadedCall["block"],
  options: CallOptions,
): Promise<Uint8Array> {
  return (await offThread(client, "getRawBlock", block, options)).bytes;
}

export async function witnessOffThread(
  client: ElClientOptions,
  block: ThreadedCall["block"],
  options: CallOptions,
): Promise<ExecutionWitness> {
  const answer = await offThread(client, "getExecutionWitness", block, options);
  return {
    state: unpack(answer.state),
    codes: unpack(answer.codes),
    keys: unpack(answer.keys),
    headers: unpack(answer.headers),
  };
}
