import { type DevChain, DevChainNotFoundError, type ElBlockRef } from "@paas/devchain";
import { defineMethod, JsonRpcError, type MethodRegistry, RpcErrorCode } from "@paas/jsonrpc";
import { fromHex, isHex, quantityJson } from "@paas/rollup";
import { z } from "zod";

const tag = z.enum(["latest", "earliest", "pending", "safe", "finalized"]);
const hash = z
  .string()
  .refine((text) => isHex(text, 32), "expected a 0x-prefixed 32-byte block hash")
  .transform((text) => fromHex(text));
/** A block number (hex quantity) or tag, as geth and reth take them. */
const numberOrTag = z.union([quantityJson, tag]);
/** A block number, tag or hash (`debug_executionWitness`, `debug_getRawBlock`). */
const blockRef = z.union([hash, quantityJson, tag]);
const fullTransactions = z.boolean().optional();

function notFound(ref: ElBlockRef): JsonRpcError {
  const what =
    typeof ref === "number"
      ? `0x${ref.toString(16)}`
      : ref instanceof Uint8Array
        ? Buffer.from(ref).toString("hex")
        : ref;
  return new JsonRpcError(RpcErrorCode.NOT_FOUND, `block ${what} not found`);
}

/**
 * The EL namespace: the standard methods the provers read, in the shapes geth and reth serve
 * (`ElClient` reads them), and geth's `debug_chainConfig`: the chain spec the EL executes under,
 * whose hash the CL's rollup params name (`elChainSpecHash`). Blocks that do not exist are `null` for `eth_getBlockBy*`, and a
 * NOT_FOUND (-32004) error for the debug methods, as is the witness of genesis and of a block
 * older than the chain's `retainBlocks` ("… not found: pruned, …").
 */
export function elMethods(chain: DevChain): MethodRegistry {
  return {
    eth_chainId: defineMethod({
      params: z.tuple([]),
      handler: () => quantityJson.encode(Number(chain.common.chainId())),
    }),
    /** geth's method: the chain's config (chain id, fork schedule) in geth's genesis format. */
    debug_chainConfig: defineMethod({
      params: z.tuple([]),
      handler: () => chain.chainConfig,
    }),
    eth_blockNumber: defineMethod({
      params: z.tuple([]),
      handler: () => quantityJson.encode(chain.blockNumber),
    }),
    eth_getBlockByNumber: defineMethod({
      params: z.tuple([numberOrTag, fullTransactions]),
      handler: ([ref, full]) => chain.getElBlockJson(ref, full ?? false) ?? null,
    }),
    eth_getBlockByHash: defineMethod({
      params: z.tuple([hash, fullTransactions]),
      handler: ([ref, full]) => chain.getElBlockJson(ref, full ?? false) ?? null,
    }),
    debug_executionWitness: defineMethod({
      params: z.tuple([blockRef]),
      handler: ([ref]) => {
        const block = chain.getElBlock(ref);
        if (block === undefined) throw notFound(ref);
        if (block.number === 0n) {
          throw new JsonRpcError(RpcErrorCode.NOT_FOUND, "the genesis block has no execution witness");
        }
        try {
          return chain.getExecutionWitness(block.number);
        } catch (error) {
          if (error instanceof DevChainNotFoundError) {
            throw new JsonRpcError(RpcErrorCode.NOT_FOUND, error.message);
          }
          throw error;
        }
      },
    }),
    debug_getRawBlock: defineMethod({
      params: z.tuple([blockRef]),
      handler: ([ref]) => {
        const block = chain.getElBlock(ref);
        if (block === undefined) throw notFound(ref);
        return block.rlp;
      },
    }),
  };
}
