/**
 * Helpers for tests and examples that prove blocks of a chain built in-process with @paas/evm's
 * `ExecutionChain`: contexts for a range, program inputs, and JSON-RPC handlers that serve the
 * chain the way an EL node does (e.g. behind `@paas/testing`'s `createStubRpc`).
 */
import { fromHex } from "@paas/core/contracts";
import { blockToRpc, type ChainBlock, type ChainSpec, type Hex, keccak256 } from "@paas/evm";
import { EVM_EE_STF, type EvmEeStfContext } from "@paas/rollup";
import { inputFromHex, type UnframedEvmEeStfInput } from "./input.js";

/** What serving a chain needs; an `ExecutionChain` is one. */
export interface ElChainSource {
  getBlockByNumber(blockNumber: bigint | number): ChainBlock | undefined;
  getBlockByHash(hash: Hex | Uint8Array): ChainBlock | undefined;
  readonly latestNumber: bigint;
  /** The chain's rules; `eth_chainId` answers its chain id, as the devnet's EL does. */
  readonly common?: { chainId(): bigint };
}

/** A JSON-RPC method handler by name (the shape `createStubRpc` takes). */
export type RpcHandlers = Record<string, (params: unknown) => unknown>;

/** The context proving `first..last` (default: `first` alone). */
export function contextForBlocks(first: ChainBlock, last: ChainBlock = first): EvmEeStfContext {
  return {
    kind: EVM_EE_STF.kind,
    start: { number: Number(first.number), hash: first.hash },
    end: { number: Number(last.number), hash: last.hash },
  };
}

/** The program input for consecutive blocks with the witnesses their chain recorded. */
export function programInputFor(chainSpec: ChainSpec, blocks: readonly ChainBlock[]): UnframedEvmEeStfInput {
  return inputFromHex(chainSpec, blocks);
}

/** An ancestor header as geth writes one in a witness: the RPC block's header fields, with its hash. */
function headerJson(source: ElChainSource, rlp: Hex): Record<string, unknown> {
  const block = source.getBlockByHash(keccak256(fromHex(rlp)));
  if (block === undefined)
    throw new Error(`the witness names a header the chain does not have: ${rlp.slice(0, 20)}…`);
  const { transactions: _t, uncles: _u, withdrawals: _w, size: _s, ...header } = blockToRpc(block.block);
  return header;
}

class RpcNotFound extends Error {
  readonly code = -32004;
}

/**
 * `eth_chainId`, `eth_blockNumber`, `eth_getBlockByNumber`, `eth_getBlockByHash`,
 * `debug_executionWitness` and `debug_getRawBlock` answered from `source`, in the shapes geth and
 * reth use: an absent block is `null` for `eth_getBlockBy*` and a -32004 error for the debug
 * methods. The source is read on every call, so blocks appended later are served.
 */
export function elRpcHandlers(
  source: ElChainSource,
  options: {
    /** What `eth_chainId` answers; default the source's chain id (1337 for a source without one). */
    chainId?: number;
    /** How `debug_executionWitness` gives ancestor headers: RLP hex as reth does (default), or JSON objects as geth does. */
    witnessHeaders?: "rlp" | "json";
  } = {},
): RpcHandlers {
  const resolve = (ref: unknown): ChainBlock | undefined => {
    if (typeof ref !== "string") return undefined;
    if (/^0x[0-9a-fA-F]{64}$/.test(ref)) return source.getBlockByHash(ref as Hex);
    if (ref === "latest" || ref === "safe" || ref === "finalized" || ref === "pending") {
      return source.getBlockByNumber(source.latestNumber);
    }
    if (ref === "earliest") return source.getBlockByNumber(0);
    if (/^0x[0-9a-fA-F]+$/.test(ref)) return source.getBlockByNumber(BigInt(ref));
    return undefined;
  };
  const required = (params: unknown): ChainBlock => {
    const ref = Array.isArray(params) ? params[0] : undefined;
    const block = resolve(ref);
    if (block === undefined) throw new RpcNotFound(`block ${String(ref)} not found`);
    return block;
  };
  const blockJson = (params: unknown) => {
    const [ref, full] = Array.isArray(params) ? params : [];
    const block = resolve(ref);
    if (block === undefined) return null;
    const json = blockToRpc(block.block);
    return full === true ? json : { ...json, transactions: json.transactions.map((tx) => tx.hash) };
  };
  return {
    eth_chainId: () => `0x${(options.chainId ?? source.common?.chainId() ?? 1337).toString(16)}`,
    eth_blockNumber: () => `0x${source.latestNumber.toString(16)}`,
    eth_getBlockByNumber: blockJson,
    eth_getBlockByHash: blockJson,
    debug_executionWitness: (params) => {
      const block = required(params);
      if (block.number === 0n) throw new RpcNotFound("the genesis block has no execution witness");
      if (block.witnessPruned)
        throw new RpcNotFound(`execution witness of block ${block.number} not found: pruned`);
      if (options.witnessHeaders !== "json") return block.witness;
      return { ...block.witness, headers: block.witness.headers.map((rlp) => headerJson(source, rlp)) };
    },
    debug_getRawBlock: (params) => required(params).rlp,
  };
}
