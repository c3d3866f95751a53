/**
 * The remote-prover contract: how the prover client hands a proof to a proving service and gets
 * the receipt back, whatever proves it (the reference server's native host here; SP1's prover
 * network, RISC Zero's Bonsai or Boundless would be further implementations). A job is started,
 * its id kept, its status polled, its receipt fetched; a job can be cancelled.
 *
 * The client persists the job id with the task before it waits (before it sends the start, where
 * the server takes proposed ids: `jobId`), so a restart or a takeover by another instance polls the
 * same job instead of proving again.
 */

/** Which program to run: the server must know it by name, version and id. */
export interface RemoteProgramRef {
  readonly name: string;
  readonly version: string;
  /** 64 hex digits, lower case. */
  readonly programId: string;
}

export interface StartJobRequest {
  readonly program: RemoteProgramRef;
  /** The guest input, framed as `Program.writeInput` writes it. */
  readonly input: Uint8Array;
  /**
   * The caller's name for the work (the task key). While a job for it is queued, running or has
   * succeeded, starting it again returns that job, or an id of its own on the same proof (the
   * reference server's, so that one caller's cancel withdraws only its own interest): a client
   * that crashed after starting a job but before recording its id does not start a second proof.
   * After a failed or cancelled job, a new one starts.
   */
  readonly requestId: string;
  /**
   * The id the caller asks this start's job to be known by: at least 128 random bits (22 or more
   * of `JOB_ID_PATTERN`'s characters), recorded before the start is sent. A start is then
   * idempotent: sent again with it — after its answer was lost to a reset or a timeout, or by the
   * next attempt of a client that crashed before the answer came — it is handed back the same job,
   * not a second id on the proof that nobody knows of and so nobody can cancel, which kept the
   * proof running for nobody after its client cancelled. The same id for other work is refused.
   * A server that names its jobs itself may answer another id.
   */
  readonly jobId?: string;
}

export type RemoteJobState = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export type RemoteJobStatus = (
  | { readonly state: "queued" | "running" /** 0..1 when the server knows. */; readonly progress?: number }
  | { readonly state: "succeeded" }
  | {
      readonly state: "failed";
      readonly error: string /** Whether running it again may succeed. */;
      readonly retryable: boolean;
    }
  | { readonly state: "cancelled" }
  /** The server does not know the job (it lost its state, or the id is someone else's). */
  | { readonly state: "unknown" }
) &
  RemoteJobWork;

/**
 * The work a job was started for, when the server says (the reference server does). A client
 * resumes a job it recorded only while both name the work it wants proven now: a task's program
 * changes with an upgrade, and a server that lost its data may give an old id to other work.
 */
export interface RemoteJobWork {
  /** The `requestId` the job was started under. */
  readonly requestId?: string;
  /** The program it proves (64 hex digits). */
  readonly programId?: string;
}

export interface RemoteProverInfo {
  /** The x-only public key (64 hex digits) the server signs receipts with. */
  readonly publicKey: string;
  readonly zkvm: string;
  readonly programs: readonly RemoteProgramRef[];
  /** Jobs it runs at once. */
  readonly workers: number;
  /**
   * Whether it honours a start's `jobId`. A client proposes one only to a server that says so: a
   * server older than the field refuses a start naming it (400), which would fail every task.
   */
  readonly jobIds?: boolean;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** The contract itself, as a TypeScript interface; `HttpRemoteProver` speaks it over HTTP. */
export interface RemoteProver {
  /** The server, for messages: scheme, host and port (a URL's path may carry a key). */
  readonly endpoint?: string;
  info(options?: CallOptions): Promise<RemoteProverInfo>;
  /**
   * Starts (or, for the same `requestId`, joins) a job; resolves with its id: the request's `jobId`
   * when the server honours it.
   */
  start(request: StartJobRequest, options?: CallOptions): Promise<string>;
  status(jobId: string, options?: CallOptions): Promise<RemoteJobStatus>;
  /** The receipt of a succeeded job, in the zkVM receipt binary encoding. */
  receipt(jobId: string, options?: CallOptions): Promise<Uint8Array>;
  /**
   * Stops a job: the proof stops unless other ids on it still want it. Cancelling a finished or
   * unknown job is not an error.
   */
  cancel(jobId: string, options?: CallOptions): Promise<void>;
}
