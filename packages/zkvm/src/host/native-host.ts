import { availableParallelism } from "node:os";
import {
  PermanentError,
  type ProgramDescriptor,
  type ProofReceipt,
  type ReceiptMetadata,
  TransientError,
  type ZkVmHost,
} from "@paas/core";
import { toHexDigits } from "@paas/core/contracts";
import { Piscina } from "piscina";
import { schnorrPublicKey, signSchnorr } from "../bip340.js";
import { HostConfigError, messageOf } from "../errors.js";
import { isProgram, type Program } from "../program/define.js";
import { InputWriter } from "../program/input.js";
import { receiptMessage } from "../receipt/message.js";
import { type ExpectedProgram, verifyReceipt } from "../receipt/verify.js";
import type { WorkerData, WorkerResult, WorkerTask } from "../worker/protocol.js";
import { loadOrCreateKeyFile, parseSecretKey } from "./host-key.js";

export interface NativeHostOptions {
  /** Worker threads, i.e. proofs run at once. Default: the machine's available parallelism. */
  readonly workers?: number;
  /** The host's secret key: 64 hex digits or 32 bytes. Give this or `keyFile`. */
  readonly privateKey?: string | Uint8Array;
  /** A key file, created with mode 0600 on first start. Give this or `privateKey`. */
  readonly keyFile?: string;
  /**
   * Run the workers under Linux's `SCHED_IDLE` policy, so any other thread that wakes (the RPC
   * server's, the scheduler's) preempts a proof at once. Default true. Where the policy cannot be
   * set (not Linux, no `chrt`), the workers keep `niceIncrement`, with a warning on Linux.
   */
  readonly idleScheduling?: boolean;
  /** Scheduling priority of the workers below the main thread's (0: the same). Default 10. */
  readonly niceIncrement?: number;
  /** The backend name tasks proven here carry. Default "native". */
  readonly backend?: string;
  /**
   * Other keys whose receipts guests accept as inner proofs (`env.readVerified`), besides this
   * host's own: the keys of remote backends that prove the dependencies (a mixed setup).
   */
  readonly trustedPublicKeys?: readonly string[];
  /** Worker threads idle this long are released (started again on demand). Default 5 minutes. */
  readonly idleTimeoutMs?: number;
  /**
   * The most heap (V8's old generation, in MiB) a guest may use; one that needs more fails
   * permanently. Default: V8's own limit, which each worker has in full, on top of this process's.
   * It bounds the proving worker's thread only: threads a guest starts itself (the EVM EE STF's
   * execution helper) have V8's default.
   */
  readonly maxGuestHeapMb?: number;
}

/** One proof's execution, for metrics and logs. */
export interface ProofSummary {
  readonly program: string;
  readonly version: string;
  readonly programId: string;
  /** From the call to the signed receipt: input encoding, queueing, guest, signing. */
  readonly wallMs: number;
  /** The guest alone, measured in the worker. */
  readonly guestMs: number;
  readonly inputBytes: number;
  readonly publicValuesBytes: number;
  readonly proofBytes: number;
}

export interface ProveResult {
  readonly receipt: ProofReceipt;
  readonly summary: ProofSummary;
}

export type ProvedListener = (summary: ProofSummary) => void;

export const MAX_WORKERS = 256;
/** Linux nice values span 40 steps (-20 to 19): a larger increment says nothing more. */
export const MAX_NICE_INCREMENT = 39;

/** How much lower than the main thread the workers run (Linux, via @napi-rs/nice). */
export const DEFAULT_NICE_INCREMENT = 10;
/** Worker threads without work for this long are released. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/**
 * The worker threads' entry. Built (dist/), it is the compiled task runner, run by plain node.
 * Beside the TypeScript sources (tests, development), a worker thread starts without a TypeScript
 * loader, so it is a JavaScript shim that registers tsx first.
 */
const WORKER_ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("../worker/entry.mjs", import.meta.url)
  : new URL("../worker/run-task.js", import.meta.url);

/**
 * The native zkVM host: runs guests in a pool of worker threads, so CPU-bound proving never
 * blocks the caller's event loop, and signs their public values and metadata (BIP340 Schnorr) with
 * the host key, which stays in this thread.
 */
export class NativeHost implements ZkVmHost {
  readonly backend: string;
  readonly zkvm = "native";
  readonly concurrency: number;
  readonly publicKeyHex: string;
  readonly #secretKey: Uint8Array;
  readonly #publicKey: Uint8Array;
  readonly #options: NativeHostOptions;
  #pool: Piscina<WorkerTask, WorkerResult> | undefined;
  readonly #listeners = new Set<ProvedListener>();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: NativeHostOptions) {
    this.backend = options.backend ?? "native";
    this.concurrency = workerCount(options.workers);
    // Checked here, not left to the pool made at the first proof: there a bad setting failed every
    // proof transiently (retried, never fixed) instead of the host's start.
    validatePoolOptions(options);
    this.#secretKey = secretKeyOf(options);
    this.#publicKey = schnorrPublicKey(this.#secretKey);
    this.publicKeyHex = toHexDigits(this.#publicKey);
    this.#options = options;
  }

  /**
   * The worker pool, made on first use: a host configured but never used costs no threads. Threads
   * start on demand, up to `workers`, and are released after `idleTimeoutMs` without work.
   */
  #workers(): Piscina<WorkerTask, WorkerResult> {
    if (this.#pool) return this.#pool;
    const workerData: WorkerData = {
      zkvmProvingWorker: true,
      idleScheduling: this.#options.idleScheduling ?? true,
      trustedPublicKeys: [this.publicKeyHex, ...(this.#options.trustedPublicKeys ?? [])],
    };
    this.#pool = new Piscina({
      filename: WORKER_ENTRY.href,
      minThreads: 0,
      maxThreads: this.concurrency,
      idleTimeout: this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      // Guests are CPU-bound and, with as many workers as cores, would contend with the main
      // thread for the CPU: lower their priority so RPC and scheduling stay responsive. Threads a
      // guest starts (the EVM's helper) inherit it. The worker then asks for SCHED_IDLE
      // (`idleScheduling`), which is stronger where it can be had.
      niceIncrement: this.#options.niceIncrement ?? DEFAULT_NICE_INCREMENT,
      ...(this.#options.maxGuestHeapMb !== undefined && {
        resourceLimits: { maxOldGenerationSizeMb: this.#options.maxGuestHeapMb },
      }),
      workerData,
    });
    // An error a guest leaves behind after its task (e.g. from a timer) has no task to fail;
    // without a listener it would crash this process.
    this.#pool.on("error", (error: unknown) => {
      process.emitWarning(`native host worker error outside a proof: ${messageOf(error)}`);
    });
    return this.#pool;
  }

  /** Worker threads alive now (0 before the first proof and after an idle timeout). */
  get threads(): number {
    return this.#pool?.threads.length ?? 0;
  }

  /** The x-only BIP340 public key verifiers need (a copy). */
  get publicKey(): Uint8Array {
    return this.#publicKey.slice();
  }

  /** Core's host contract. Failures: `PermanentError` (not a program, bad input, guest threw or ran out of memory), `TransientError` (worker crashed, host closed), `signal.reason` (aborted). */
  async prove(
    program: ProgramDescriptor,
    input: unknown,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<ProofReceipt> {
    return (await this.proveWithSummary(program, input, options)).receipt;
  }

  async proveWithSummary<Input>(
    program: Program<Input, unknown> | ProgramDescriptor,
    input: Input,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<ProveResult> {
    const started = performance.now();
    const label = `program "${program.name}" version "${program.version}"`;
    if (!isProgram(program)) {
      throw new PermanentError(`${label} is not a @paas/zkvm program: define it with defineProgram()`);
    }
    const writer = new InputWriter();
    try {
      program.writeInput(input, writer);
    } catch (error) {
      throw new PermanentError(`${label}: writing the guest input failed: ${messageOf(error)}`, {
        cause: error,
      });
    }
    return this.#proveInput(program, writer.toBytes(), options, started);
  }

  /**
   * Proves an input already framed as `program.writeInput` writes it: what a proving server
   * receives from its clients. The input's memory moves to the worker when it spans its whole
   * buffer (no copy of a large input): the caller's array is then empty, so a caller that may
   * prove the same input again passes a copy.
   */
  proveEncoded(
    program: Program<unknown, unknown>,
    input: Uint8Array<ArrayBuffer>,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<ProveResult> {
    return this.#proveInput(program, input, options, performance.now());
  }

  async #proveInput(
    program: Program<unknown, unknown>,
    inputBytes: Uint8Array<ArrayBuffer>,
    options: { readonly signal?: AbortSignal },
    started: number,
  ): Promise<ProveResult> {
    const label = `program "${program.name}" version "${program.version}"`;
    if (this.#closed) throw new TransientError(`${label}: the native host is closed`);
    options.signal?.throwIfAborted();
    const inputSize = inputBytes.length;
    const task = { moduleUrl: program.moduleUrl, programIdHex: program.programIdHex, input: inputBytes };
    const result = await this.#run(task, label, options.signal);
    if (!result.ok) {
      const what =
        result.stage === "guest" ? "the guest failed" : "the program could not be loaded in a worker";
      throw new PermanentError(`${label}: ${what}: ${result.message}`);
    }
    const metadata: ReceiptMetadata = {
      zkvm: "native",
      programId: program.programId,
      version: program.version,
      proofType: program.proofType,
    };
    const proof = signSchnorr(receiptMessage(result.publicValues, metadata), this.#secretKey);
    const receipt: ProofReceipt = { proof, publicValues: result.publicValues, metadata };
    const summary: ProofSummary = {
      program: program.name,
      version: program.version,
      programId: program.programIdHex,
      wallMs: performance.now() - started,
      guestMs: result.guestMs,
      inputBytes: inputSize,
      publicValuesBytes: result.publicValues.length,
      proofBytes: proof.length,
    };
    this.#emit(summary);
    return { receipt, summary };
  }

  /** Verifies a receipt against this host's key; throws `ReceiptVerificationError` naming what is off. */
  verify(receipt: ProofReceipt, expected: Uint8Array | ExpectedProgram): void {
    const expectation = expected instanceof Uint8Array ? { programId: expected } : expected;
    verifyReceipt(receipt, {
      programId: expectation.programId,
      version: expectation.version,
      proofType: expectation.proofType,
      publicKey: this.#publicKey,
    });
  }

  /** Calls `listener` after every successful proof; returns the unsubscribe function. */
  onProved(listener: ProvedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Terminates the workers; proofs in flight fail with `TransientError`. */
  close(): Promise<void> {
    this.#closed = true;
    // Every call waits for the same termination: a second one (two shutdown paths) returned at
    // once, while the first was still ending the threads, and its caller went on with them alive.
    this.#closing ??= this.#pool?.destroy() ?? Promise.resolve();
    return this.#closing;
  }

  async #run(task: WorkerTask, label: string, signal: AbortSignal | undefined): Promise<WorkerResult> {
    // The input's buffer is transferred, not copied, when the input is all of it (made for this
    // task alone); a view into a larger buffer is copied first, so the caller's other views of
    // that buffer stay intact.
    const input = task.input;
    const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength;
    const owned = whole ? task : { ...task, input: input.slice() };
    try {
      return await this.#workers().run(owned, { signal, transferList: [owned.input.buffer] });
    } catch (error) {
      // Piscina terminates the worker of an aborted task, so the guest really stops.
      if (signal?.aborted) throw signal.reason;
      // The guest's own doing: the same input runs out of memory again, so a retry only spends
      // the memory (and the minute it takes to fill) once more.
      if (!this.#closed && (error as { code?: unknown }).code === "ERR_WORKER_OUT_OF_MEMORY") {
        throw new PermanentError(`${label}: the guest ran out of memory: ${messageOf(error)}`, {
          cause: error,
        });
      }
      const why = this.#closed
        ? "the native host closed while proving"
        : `the proving worker failed: ${messageOf(error)}`;
      throw new TransientError(`${label}: ${why}`, { cause: error });
    }
  }

  #emit(summary: ProofSummary): void {
    for (const listener of this.#listeners) {
      try {
        listener(summary);
      } catch (error) {
        // A metrics listener must not turn a good proof into a failed task.
        process.emitWarning(`native host onProved listener failed: ${messageOf(error)}`);
      }
    }
  }
}

function workerCount(workers: number | undefined): number {
  const count = workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new HostConfigError(
      "HOST_INVALID_CONFIG",
      `native host workers must be an integer from 1 to ${MAX_WORKERS}, got ${workers}`,
    );
  }
  return count;
}

function validatePoolOptions({ niceIncrement, idleTimeoutMs, maxGuestHeapMb }: NativeHostOptions): void {
  const invalid = (message: string) => new HostConfigError("HOST_INVALID_CONFIG", `native host ${message}`);
  if (
    niceIncrement !== undefined &&
    (!Number.isInteger(niceIncrement) || niceIncrement < 0 || niceIncrement > MAX_NICE_INCREMENT)
  ) {
    throw invalid(`niceIncrement must be an integer from 0 to ${MAX_NICE_INCREMENT}, got ${niceIncrement}`);
  }
  if (idleTimeoutMs !== undefined && !(typeof idleTimeoutMs === "number" && idleTimeoutMs >= 0)) {
    throw invalid(`idleTimeoutMs must be a number of milliseconds, 0 or more, got ${idleTimeoutMs}`);
  }
  if (maxGuestHeapMb !== undefined && !(Number.isInteger(maxGuestHeapMb) && maxGuestHeapMb > 0)) {
    throw invalid(`maxGuestHeapMb must be a positive integer, got ${maxGuestHeapMb}`);
  }
}

function secretKeyOf(options: NativeHostOptions): Uint8Array {
  if (options.privateKey !== undefined && options.keyFile !== undefined) {
    throw new HostConfigError("HOST_INVALID_CONFIG", "native host: give privateKey or keyFile, not both");
  }
  if (options.privateKey !== undefined) return parseSecretKey(options.privateKey, "native host privateKey");
  if (options.keyFile !== undefined) return loadOrCreateKeyFile(options.keyFile);
  throw new HostConfigError("HOST_INVALID_CONFIG", "native host: no key; give privateKey or keyFile");
}
