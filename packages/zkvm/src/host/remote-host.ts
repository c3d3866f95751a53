import { randomBytes } from "node:crypto";
import {
  PermanentError,
  type PluginLogger,
  type ProgramDescriptor,
  type ProofReceipt,
  type ProveOptions,
  ProveTimeoutError,
  TaskCancelledError,
  TransientError,
  type ZkVmHost,
} from "@paas/core";
import { toHexDigits } from "@paas/core/contracts";
import { HostConfigError, messageOf } from "../errors.js";
import { isProgram, type Program } from "../program/define.js";
import { InputWriter } from "../program/input.js";
import { decodeReceipt } from "../receipt/codec.js";
import { verifyReceipt } from "../receipt/verify.js";
import type { RemoteJobStatus, RemoteProver, StartJobRequest } from "../remote/contract.js";

export interface RemoteHostOptions {
  readonly backend: string;
  readonly prover: RemoteProver;
  /** The key the remote prover is trusted to sign receipts with (64 hex digits). */
  readonly publicKey: string;
  /** Jobs this backend may have running at once. */
  readonly concurrency: number;
  /** Pause between status polls. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Where a refused receipt is reported, at error: a tampered or corrupted answer is a security event. */
  readonly logger?: PluginLogger;
}

/**
 * A remote server's receipt that failed verification (a bad signature, another program's, bytes
 * that are no receipt): tampered with or corrupted on that server, which the task cannot help.
 * Transient, so the task tries again within its retry budget, on a new job: the refused one's
 * receipt is never fetched again.
 */
export class RemoteReceiptRefusedError extends TransientError {
  constructor(
    readonly server: string,
    readonly jobId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A host that proves elsewhere, through the remote-prover contract: it writes the guest input,
 * starts a job (or picks up the one a previous attempt started for the same input and program),
 * records the job id with the task before it waits, polls until the job ends, fetches the receipt
 * and verifies it — program id, version, proof type and the signature against the key this
 * backend is trusted with — before handing it to the scheduler. A receipt that fails verification
 * is refused (`RemoteReceiptRefusedError`, transient, logged at error): a new job for the same work
 * is started and recorded with the task, under a requestId of its own (the server would hand the
 * same one's succeeded job back), for the next attempt to wait on — unless no attempt follows.
 *
 * Each job is started under an id this host picks and records with the task before it sends the
 * start (see `startRecorded`), so a start whose answer is lost is never a job the task cannot find;
 * on a server whose info does not say it honours such ids (`jobIds`), as before: recorded once
 * the start is answered.
 *
 * Cancelling the task or timing its proof out cancels the job. A service stopping, or a lease
 * lost to another instance, leaves the job running: the next attempt polls it.
 */
export class RemoteHost implements ZkVmHost {
  readonly backend: string;
  readonly zkvm = "native" as const;
  readonly concurrency: number;
  readonly publicKey: string;
  private readonly prover: RemoteProver;
  private readonly pollIntervalMs: number;
  private readonly logger: PluginLogger | undefined;
  /** Whether the server honours a start's `jobId`, as its info last said; not asked yet if undefined. */
  private takesJobIds: boolean | undefined;

  constructor(options: RemoteHostOptions) {
    this.backend = options.backend;
    this.prover = options.prover;
    this.publicKey = options.publicKey;
    this.concurrency = options.concurrency;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.logger = options.logger;
  }

  async prove(program: ProgramDescriptor, input: unknown, options: ProveOptions): Promise<ProofReceipt> {
    const label = `program "${program.name}" version "${program.version}" on backend "${this.backend}"`;
    if (!isProgram(program)) {
      throw new PermanentError(`${label} is not a @paas/zkvm program: define it with defineProgram()`);
    }
    const { signal } = options;
    const { jobId, requestId, status } = await this.startOrResume(program, input, label, options);
    try {
      return await this.await(program, { jobId, requestId }, status, label, options);
    } catch (error) {
      const replacement =
        error instanceof RemoteReceiptRefusedError
          ? await this.replaceRefused(program, input, requestId, error, label, options)
          : undefined;
      if (signal.aborted && shouldCancel(signal.reason)) {
        // A replacement started as the task was cancelled would otherwise prove for nobody.
        for (const id of [jobId, replacement])
          if (id !== undefined) await this.prover.cancel(id).catch(() => {});
      }
      throw error;
    }
  }

  /**
   * The job to wait on: the one a previous attempt recorded, while it may still succeed and is for
   * this work; else a new one, recorded with the task. The encoded input (hundreds of MB for a
   * range) lives only here, not while the job is waited on.
   */
  private async startOrResume(
    program: Program<unknown, unknown>,
    input: unknown,
    label: string,
    { signal, job }: ProveOptions,
  ): Promise<{ jobId: string; requestId: string; status?: RemoteJobStatus }> {
    const encoded = encodeInput(program, input, label);
    const requestId = await requestIdFor(job?.requestId ?? `${program.programIdHex}-${Date.now()}`, encoded);
    if (job?.previousId !== undefined) {
      const status = await this.prover.status(job.previousId, { signal });
      if (resumable(status, program, requestId)) return { jobId: job.previousId, requestId, status };
    }
    const ref = { name: program.name, version: program.version, programId: program.programIdHex };
    const jobId = await this.startRecorded({ program: ref, input: encoded, requestId }, { signal, job });
    return { jobId, requestId };
  }

  /**
   * Starts a job under an id of this host's own, recorded with the task before the start is sent.
   * The start is then one start however often it is sent: the HTTP client's retries after an
   * answer lost to a reset or a timeout, and the next attempt after one that never had the answer
   * (or crashed before recording it), which polls the recorded id. Recorded after the answer, as
   * it was, each of those got the server's id of its own on the proof, which the task never
   * learned of and so never cancelled: the proof ran on, holding a worker, after the task was
   * cancelled. A start cut short by a cancel or a timeout is cancelled too: it may have arrived.
   */
  private async startRecorded(
    request: Omit<StartJobRequest, "jobId">,
    { signal, job }: Pick<ProveOptions, "signal" | "job">,
  ): Promise<string> {
    if (!(await this.serverTakesJobIds(signal))) {
      // A server older than `jobId` refuses a start naming one: started and recorded as before.
      const started = await this.prover.start(request, { signal });
      await job?.record(started);
      return started;
    }
    const proposed = randomBytes(16).toString("base64url");
    await job?.record(proposed);
    try {
      const started = await this.prover.start({ ...request, jobId: proposed }, { signal });
      // A server that names its jobs itself: its id is the one to poll and cancel.
      if (started !== proposed) await job?.record(started);
      return started;
    } catch (error) {
      if (signal.aborted && shouldCancel(signal.reason)) await this.prover.cancel(proposed).catch(() => {});
      throw error;
    }
  }

  /**
   * After a refused receipt: starts a new job for the work, under a requestId naming the refused
   * job (so an attempt that crashes before recording it finds it again), and records it with the
   * task; returns its id. Reports the refusal at error either way; a new job that cannot be started
   * now is left to the next attempt, which refuses the old receipt again and tries once more. With
   * no job record (a caller outside the scheduler), or on the task's last attempt, none is started:
   * nobody would wait on it, and it proved to the end on the server for nothing.
   */
  private async replaceRefused(
    program: Program<unknown, unknown>,
    input: unknown,
    requestId: string,
    refused: RemoteReceiptRefusedError,
    label: string,
    { signal, job }: ProveOptions,
  ): Promise<string | undefined> {
    const fields = {
      backend: this.backend,
      server: refused.server,
      job: refused.jobId,
      program: program.name,
      version: program.version,
      error: messageOf(refused.cause),
    };
    if (job === undefined || job.lastAttempt === true) {
      this.logger?.error(
        { ...fields, security: true },
        "a remote prover's receipt failed verification (tampered with or corrupted on the server): refused",
      );
      return undefined;
    }
    try {
      const ref = { name: program.name, version: program.version, programId: program.programIdHex };
      const replacement = await this.startRecorded(
        {
          program: ref,
          input: encodeInput(program, input, label),
          requestId: `${requestId}-${await digestHex(new TextEncoder().encode(refused.jobId), 8)}`,
        },
        { signal, job },
      );
      this.logger?.error(
        { ...fields, security: true, newJob: replacement },
        "a remote prover's receipt failed verification (tampered with or corrupted on the server): refused; the task tries again on a new job",
      );
      return replacement;
    } catch (error) {
      this.logger?.error(
        { ...fields, security: true, newJobError: messageOf(error) },
        "a remote prover's receipt failed verification (tampered with or corrupted on the server): refused; no new job could be started yet, the next attempt starts one",
      );
      return undefined;
    }
  }

  /**
   * Asks the server which key it signs with. One other than the key this backend trusts would have
   * every receipt it makes refused, each only once proven: throws `HostConfigError`
   * (`HOST_KEY_MISMATCH`) naming both. Otherwise throws what the call threw: `TransientError` when
   * the server does not answer, `PermanentError` when it refuses the token or is no such server.
   */
  async checkServer(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const { publicKey, jobIds } = await this.prover.info(options);
    // Kept for the starts: a server upgraded (or replaced) meanwhile is seen at the next check.
    this.takesJobIds = jobIds === true;
    if (publicKey === this.publicKey) return;
    throw new HostConfigError(
      "HOST_KEY_MISMATCH",
      `the proving server signs receipts with key ${publicKey}, but this backend trusts ${this.publicKey} (its public key): every proof made there would be refused. ` +
        "If the server's key is the one to trust, configure it (and have the CL trust it too); if not, the server's key file changed (a new data directory?): give it its old one",
    );
  }

  /** Whether the server honours a start's `jobId`: asked once, unless `checkServer` said already. */
  private async serverTakesJobIds(signal: AbortSignal): Promise<boolean> {
    this.takesJobIds ??= (await this.prover.info({ signal })).jobIds === true;
    return this.takesJobIds;
  }

  /** Cancels a job an earlier attempt recorded, for a task cancelled between attempts. */
  async cancelJob(jobId: string): Promise<void> {
    await this.prover.cancel(jobId);
  }

  async close(): Promise<void> {}

  private async await(
    program: Program<unknown, unknown>,
    { jobId, requestId }: { jobId: string; requestId: string },
    known: RemoteJobStatus | undefined,
    label: string,
    { signal, job }: ProveOptions,
  ): Promise<ProofReceipt> {
    let status = known;
    for (;;) {
      signal.throwIfAborted();
      status ??= await this.prover.status(jobId, { signal });
      // Checked at every poll, not only when an attempt resumes the job: a server that lost its
      // jobs while this one ran, and numbers them afresh, gives its id to the next job it starts —
      // another client's, whose receipt (the same program, another input) verifies as this one's.
      const other = otherWork(status, program, requestId);
      if (other !== undefined) {
        throw new TransientError(
          `${label}: remote job ${jobId} is now another job's (${other}): the server lost its jobs? A new one is started`,
        );
      }
      // Time queued behind other work on the server is not the proof's: the kind's prove timeout
      // does not count it.
      job?.queued?.(status.state === "queued");
      switch (status.state) {
        case "succeeded":
          return this.fetchVerified(program, jobId, label, signal);
        case "failed":
          throw status.retryable
            ? new TransientError(`${label}: remote job ${jobId} failed: ${status.error}`)
            : new PermanentError(`${label}: remote job ${jobId} failed: ${status.error}`);
        case "cancelled":
          throw new TransientError(`${label}: remote job ${jobId} was cancelled on the server`);
        case "unknown":
          throw new TransientError(`${label}: the remote prover no longer knows job ${jobId}`);
        default:
          await sleep(this.pollIntervalMs, signal);
          status = undefined;
      }
    }
  }

  private async fetchVerified(
    program: Program<unknown, unknown>,
    jobId: string,
    label: string,
    signal: AbortSignal,
  ): Promise<ProofReceipt> {
    const bytes = await this.prover.receipt(jobId, { signal });
    try {
      const receipt = decodeReceipt(bytes);
      verifyReceipt(receipt, {
        programId: program.programId,
        version: program.version,
        proofType: program.proofType,
        publicKey: this.publicKey,
      });
      return receipt;
    } catch (error) {
      const server = this.prover.endpoint ?? "the remote prover";
      throw new RemoteReceiptRefusedError(
        server,
        jobId,
        `${label}: the receipt of remote job ${jobId} from ${server} is refused: ${messageOf(error)}. Tampered with or corrupted on that server: the task tries again on a new job`,
        { cause: error },
      );
    }
  }
}

function encodeInput(program: Program<unknown, unknown>, input: unknown, label: string): Uint8Array {
  const writer = new InputWriter();
  try {
    program.writeInput(input, writer);
  } catch (error) {
    throw new PermanentError(`${label}: writing the guest input failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return writer.toBytes();
}

/**
 * The name the job is started under: the task key and a digest of the input. A server returns the
 * job of a repeated requestId, and a task key names what to prove (a checkpoint's index, a block
 * range), not on which chain: two clients sharing a server, or one whose chain was reset, send one
 * key with other inputs, and without the digest the second is handed the first one's receipt. The
 * same work (an attempt that crashed before recording its job) still finds its job. WebCrypto
 * hashes on libuv's thread pool: a range's input can be hundreds of MB, which a hash on the main
 * thread would stall RPC answers for.
 */
async function requestIdFor(key: string, input: Uint8Array): Promise<string> {
  // 78 + 1 + 40 leaves room for a replacement's suffix (9) within the contract's 128 characters.
  return `${key.slice(0, 78)}-${await digestHex(input, 40)}`;
}

/** The first `digits` hex digits of the bytes' SHA-256. */
async function digestHex(bytes: Uint8Array, digits: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return toHexDigits(digest).slice(0, digits);
}

/**
 * Whether the job a previous attempt recorded is waited on again: not one that cannot succeed any
 * more, nor one the server says is for other work. A task's input or program can change between
 * attempts (an upgrade bumps a program's version; a server that lost its data can reuse an id):
 * resumed, such a job's receipt failed the task for good as another program's, or was stored as
 * the proof of an input the task no longer has.
 */
function resumable(status: RemoteJobStatus, program: Program<unknown, unknown>, requestId: string): boolean {
  if (status.state === "unknown" || status.state === "cancelled") return false;
  if (status.state === "failed" && status.retryable) return false;
  return otherWork(status, program, requestId) === undefined;
}

/** What other work the server says the job is for (a request, a program); undefined when this one's. */
function otherWork(
  status: RemoteJobStatus,
  program: Program<unknown, unknown>,
  requestId: string,
): string | undefined {
  // Shortened: a server's word, shown in the task's error. A job started in place of one whose
  // receipt was refused is this work's too: its requestId is this one and a suffix.
  if (
    status.requestId !== undefined &&
    status.requestId !== requestId &&
    !status.requestId.startsWith(`${requestId}-`)
  )
    return `request ${status.requestId.slice(0, 160)}`;
  if (status.programId !== undefined && status.programId !== program.programIdHex)
    return `program 0x${status.programId.slice(0, 64)}`;
  return undefined;
}

/** The job is not wanted any more (cancelled, timed out); a stop or a takeover resumes it later. */
function shouldCancel(reason: unknown): boolean {
  return reason instanceof TaskCancelledError || reason instanceof ProveTimeoutError;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
