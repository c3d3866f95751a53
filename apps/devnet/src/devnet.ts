import path from "node:path";
import { MAX_TIMER_MS } from "@paas/core/contracts";
import { DevChain, type DevChainConfig } from "@paas/devchain";
import {
  createJsonRpcServer,
  type ErrorListener,
  type MethodRegistry,
  newRpcToken,
  RPC_TOKEN_FILE,
  writeRpcTokenFile,
} from "@paas/jsonrpc";
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
  /**
   * The bearer token the admin methods that change state (`devnet_produceBlocks`, the fault
   * switches) need. Default: a fresh random one per start, written to `rpc-token` in
   * `adminTokenDir`.
   */
  readonly adminToken?: string;
  /**
   * Where `rpc-token` (the admin token, then the devnet's URL; owner only) is written at the start
   * and deleted at `close()`, as the prover client keeps its own. Default `dataDir`; with neither,
   * no file: the token is `Devnet.adminToken`.
   */
  readonly adminTokenDir?: string;
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
  /** What `Authorization: Bearer` must carry for the admin methods that change state. */
  readonly adminToken: string;
  /** The file holding it (`<adminTokenDir>/rpc-token`, absolute), when one was written. */
  readonly adminTokenFile?: string;
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
    adminToken = newRpcToken(),
    adminTokenDir = dataDir,
    ...config
  } = options;
  // A token with whitespace could never be sent in an `Authorization: Bearer` header.
  if (!/^\S+$/.test(adminToken)) throw new RangeError("adminToken must be non-empty, without whitespace");
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
  // Absolute: the callers told where it is may run in another directory.
  const tokenFile = adminTokenDir === undefined ? undefined : path.resolve(adminTokenDir, RPC_TOKEN_FILE);
  const rpc = createJsonRpcServer({
    methods: { ...openToAll(clMethods(chain)), ...elMethods(chain), ...adminMethods(chain, faults) },
    port: 0,
    maxBodyBytes,
    // On the JSON-RPC server itself, not the front: its private port is on loopback too, and a
    // local process that finds it must not get past the token either.
    auth: {
      bearerToken: adminToken,
      hint:
        tokenFile === undefined
          ? "the devnet's admin token is the one it was started with (startDevnet's adminToken, Devnet.adminToken)"
          : `the devnet's admin token is the first line of ${tokenFile}`,
    },
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
  const url = `http://127.0.0.1:${front.port}/`;
  let written: ReturnType<typeof writeRpcTokenFile> | undefined;
  try {
    if (adminTokenDir !== undefined) written = writeRpcTokenFile(adminTokenDir, { token: adminToken, url });
  } catch (error) {
    await front.close();
    await rpc.close();
    await chain.close();
    throw error;
  }
  if (blockTimeMs > 0) chain.start(blockTimeMs);
  let closing: Promise<void> | undefined;
  return {
    url,
    port: front.port,
    chain,
    faults,
    adminToken,
    ...(tokenFile !== undefined && { adminTokenFile: tokenFile }),
    close() {
      closing ??= (async () => {
        written?.remove();
        await chain.stop();
        await front.close();
        await rpc.close();
        await chain.close();
      })();
      return closing;
    },
  };
}

/**
 * The CL's methods with no token: a CL takes checkpoint proofs from anyone, since a proof carries
 * its own credential (the trusted prover's signature, checked on submission), and a prover's
 * `ClClient` sends none. `cl_submitCheckpointProof` is `mutates` in the protocol, which would
 * otherwise put it behind the admin token.
 */
function openToAll(methods: MethodRegistry): MethodRegistry {
  return Object.fromEntries(
    Object.entries(methods).map(([name, method]) => [name, { ...method, mutates: false }]),
  );
}
