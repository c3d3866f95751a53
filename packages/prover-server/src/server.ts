import type { AddressInfo } from "node:net";
import path from "node:path";
import { InvalidConfigError } from "@paas/core";
import { decodeReceipt, HostConfigError, NativeHost, type RemoteProgramRef, verifyReceipt } from "@paas/zkvm";
import type { FastifyInstance } from "fastify";
import { buildHttpApp } from "./http/http-app.js";
import { JobRunner } from "./jobs/job-runner.js";
import { RetentionSweep } from "./jobs/retention-sweep.js";
import { type ProverServerOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { DEFAULT_PLUGIN_PACKAGES, ProgramCatalogue } from "./programs.js";
import { JobStore } from "./store/job-store.js";
import { type OpenedJobDatabase, openJobDatabase } from "./store/open-job-database.js";

/** The key file receipts are signed with, inside the data directory (created on first start). */
export const SERVER_KEY_FILE = "prover-server.key";

/** How long a closing server lets the requests in flight finish before it drops their connections. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Proofs a job may start before a start finds it interrupted again and fails it (retryable) rather
 * than running it once more: a proof that takes the process down (the kernel's OOM killer) would
 * otherwise do so at every start, with the jobs queued behind it never run.
 */
const MAX_PROOF_STARTS = 3;

export interface ProverServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:4900/`: a client's `url`. */
  readonly url: string;
  /** The x-only BIP340 key (64 hex digits) receipts are signed with: a client's `public_key`. */
  readonly publicKey: string;
  readonly keyFile: string;
  readonly databaseFile: string;
  readonly programs: readonly RemoteProgramRef[];
  readonly workers: number;
  /** How long finished jobs and their receipts are kept, in ms. */
  readonly finishedJobRetentionMs: number;
  /** Stops accepting requests, aborts running proofs (they rerun at the next start), closes the job table. */
  close(): Promise<void>;
}

/**
 * Starts the reference proving server: the remote-prover contract over HTTP, proofs on a native
 * host, jobs in a durable table. Jobs left queued or running by a previous process (stopped or
 * killed) run again under their ids. Everything that can be wrong (options, programs, the key file,
 * the job table, the port) fails here, and what was opened is closed again.
 */
export async function startProverServer(options: ProverServerOptions): Promise<ProverServer> {
  const resolved = resolveOptions(options);
  const { logger, workers } = resolved;
  const programs = await ProgramCatalogue.load(options.programs ?? DEFAULT_PLUGIN_PACKAGES);
  const keyFile = path.join(path.resolve(resolved.datadir), SERVER_KEY_FILE);
  const database = await openJobDatabase(resolved.datadir);
  let host: NativeHost | undefined;
  let app: FastifyInstance | undefined;
  let sweep: RetentionSweep | undefined;
  try {
    host = nativeHost(keyFile, resolved);
    const store = new JobStore(database.db);
    const { requeued, abandoned } = await store.requeueInterrupted(
      MAX_PROOF_STARTS,
      `the server stopped ${MAX_PROOF_STARTS} times while proving this job (killed, perhaps for memory, or restarted): it is not run again here; start it again`,
    );
    if (abandoned > 0) {
      logger.warn(
        { jobs: abandoned, proofStarts: MAX_PROOF_STARTS },
        "jobs whose proof was interrupted at every start are failed (retryable) rather than run again: a proof that takes the server down would do so at every start",
      );
    }
    const resigned = await dropForeignReceipts(store, host.publicKeyHex);
    if (resigned > 0) {
      logger.warn(
        { jobs: resigned, publicKey: host.publicKeyHex },
        "the key file changed: succeeded jobs signed with the previous key are failed (retryable), so their clients prove them again",
      );
    }
    const runner = new JobRunner(store, host, programs, workers, logger);
    sweep = new RetentionSweep(store, resolved.finishedJobRetentionMs, logger, database.releaseFreeSpace);
    await sweep.sweep();
    app = buildHttpApp({
      store,
      runner,
      programs,
      publicKey: host.publicKeyHex,
      workers,
      token: resolved.token,
      maxInputBytes: resolved.maxInputBytes,
      maxQueuedInputBytes: resolved.maxQueuedInputBytes,
      answerTimeoutMs: resolved.answerTimeoutMs,
      logger,
      acceptsHost: resolved.acceptsHost,
    });
    const url = await listen(app, resolved.host, resolved.port);
    runner.wake();
    const queued = await store.countQueued();
    logger.info({ url, publicKey: host.publicKeyHex, queued, requeued }, "prover server listening");
    return {
      url,
      publicKey: host.publicKeyHex,
      keyFile,
      databaseFile: database.file,
      programs: programs.list(),
      workers,
      finishedJobRetentionMs: resolved.finishedJobRetentionMs,
      close: once(() => shutDown(app!, runner, sweep!, host!, database)),
    };
  } catch (error) {
    await app?.close();
    await sweep?.close();
    await host?.close();
    await database.close();
    throw error;
  }
}

/**
 * Receipts are signed at the end of each proof, with the key of the process that proved it, so the
 * key can only have changed between two starts (a key file deleted to rotate a leaked key): if the
 * latest receipt is not signed with the current key, no stored receipt is. Clients trust the new
 * key only, and a requestId names its succeeded job: kept, those jobs would hand every retry the
 * same refused receipt until the retention deletes them.
 */
async function dropForeignReceipts(store: JobStore, publicKey: string): Promise<number> {
  const latest = await store.latestReceipt();
  if (latest === undefined) return 0;
  try {
    const receipt = decodeReceipt(latest);
    verifyReceipt(receipt, { programId: receipt.metadata.programId, publicKey });
    return 0;
  } catch {
    return store.failSucceeded("signed with a key this server no longer has: start the job again");
  }
}

function nativeHost(
  keyFile: string,
  {
    workers,
    idleScheduling,
    trustedPublicKeys,
  }: Pick<ResolvedOptions, "workers" | "idleScheduling" | "trustedPublicKeys">,
): NativeHost {
  try {
    return new NativeHost({ keyFile, workers, idleScheduling, backend: "prover-server", trustedPublicKeys });
  } catch (error) {
    if (error instanceof HostConfigError) throw new InvalidConfigError(`prover server: ${error.message}`);
    throw error;
  }
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new InvalidConfigError(
      `prover server: cannot listen on ${host}:${port} (${code ?? (error as Error).message})${code === "EADDRINUSE" ? ": the port is taken, choose another" : ""}`,
    );
  }
  const address = app.server.address() as AddressInfo;
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${hostPart}:${address.port}/`;
}

async function shutDown(
  app: FastifyInstance,
  runner: JobRunner,
  sweep: RetentionSweep,
  host: NativeHost,
  database: OpenedJobDatabase,
): Promise<void> {
  // In this order: no new requests (those arriving meanwhile get 503, which clients retry), no new
  // proofs, the proofs in flight aborted and settled, no more sweeps, then the workers and the table closed.
  // Node stops timing requests out once its server closes, so a request that stalled (an upload
  // whose client vanished without closing the connection) would hold the close forever: the
  // requests in flight get a grace period, then their connections are dropped. A client cut off
  // mid-upload sends again; its requestId finds the job if the upload had been taken.
  const grace = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
  try {
    await app.close();
  } finally {
    clearTimeout(grace);
  }
  await runner.close();
  await sweep.close();
  await host.close();
  await database.close();
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= action();
    return done;
  };
}
