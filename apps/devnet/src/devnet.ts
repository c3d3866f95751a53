import { MAX_TIMER_MS } from "@paas/core/contracts";
import { DevChain, type DevChainConfig } from "@paas/devchain";
import { createJsonRpcServer, type ErrorListener } from "@paas/jsonrpc";
import { FaultSwitches } from "./faults.js";
import { type Front, startFront } from "./front.js";
import { loadOrCreateSequencerKey } from "./keys.js";
import { adminMethods } from "./methods/admin.js";
import { clMethods } from "./methods/cl.js";
import { elMethods } from "./methods/el.js";

export interface DevnetOptions extends Omit<DevChainConfig, "trustedProverKey" | "checkpointProgramId"> {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** A block every this many milliseconds; 0 (or absent) produces none on a timer (use `chain.produce*`). */
  readonly blockTimeMs?: number;
  /**
   * Holds `sequencer.key` (created 0600 from the seed on first start) and the chain itself
   * (`chain.sqlite`): a devnet started again on it continues its chain. Without it, the key is
   * derived from the seed in memory and the chain lives in memory only.
   */
  readonly dataDir?: string;
  /** The prover host's x-only public key (32 bytes or 64 hex digits) whose checkpoint proofs the CL accepts. */
  readonly trustedProverKey: Uint8Array | string;
  /** The checkpoint program's id (32 bytes or 64 hex digits). */
  readonly checkpointProgramId: Uint8Array | string;
  /** Errors the JSON-RPC server could not answer with a typed error (for logs). */
  readonly onError?: ErrorListener;
  /** Largest request body. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

export interface Devnet {
  /** `http://127.0.0.1:<port>/`: both the CL and the EL namespaces. */
  readonly url: string;
  readonly port: number;
  readonly chain: DevChain;
  readonly faults: FaultSwitches;
  /** Stops block production, then the HTTP server (in-flight calls get a short grace period). */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts a devnet in this process: a `DevChain` and one JSON-RPC 2.0 HTTP server on 127.0.0.1
 * serving the CL (`cl_*`), the EL (`eth_*`, `debug_*`) and the admin (`devnet_*`) namespaces,
 * behind the fault switches.
 */
export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const {
    port = 0,
    blockTimeMs = 0,
    dataDir,
    onError,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    ...config
  } = options;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535)
    throw new RangeError(`port must be 0..65535, got ${port}`);
  // Checked here, before anything opens: the chain's own check comes after the servers listen.
  if (!Number.isSafeInteger(blockTimeMs) || blockTimeMs < 0 || blockTimeMs > MAX_TIMER_MS) {
    throw new RangeError(`blockTimeMs must be an integer from 0 to ${MAX_TIMER_MS}, got ${blockTimeMs}`);
  }
  const sequencerKey =
    config.sequencerKey ??
    (dataDir === undefined ? undefined : loadOrCreateSequencerKey(dataDir, config.seed ?? "paas-devnet"));
  const chain = await DevChain.create({ ...config, sequencerKey, ...(dataDir !== undefined && { dataDir }) });
  const faults = new FaultSwitches();
  const rpc = createJsonRpcServer({
    methods: { ...clMethods(chain), ...elMethods(chain), ...adminMethods(chain, faults) },
    port: 0,
    maxBodyBytes,
    closeGraceMs: 250,
    onError,
  });
  const upstreamPort = await rpc.listen().catch(async (error: unknown) => {
    await chain.close();
    throw error;
  });
  let front: Front;
  try {
    front = await startFront({ host: "127.0.0.1", port, upstreamPort, faults, maxBodyBytes });
  } catch (error) {
    await rpc.close();
    await chain.close();
    throw error;
  }
  if (blockTimeMs > 0) chain.start(blockTimeMs);
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${front.port}/`,
    port: front.port,
    chain,
    faults,
    close() {
      closing ??= (async () => {
        await chain.stop();
        await front.close();
        await rpc.close();
        await chain.close();
      })();
      return closing;
    },
  };
}
