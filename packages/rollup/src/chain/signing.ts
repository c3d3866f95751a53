import { schnorr } from "@noble/curves/secp256k1.js";
import { schnorrPublicKey, signSchnorr, verifySchnorr } from "@paas/zkvm/program";
import { blockIdOf, type L2BlockHeader, type SignedL2Block } from "../types/block.js";
import type { RollupParams } from "../types/params.js";

/** BIP340 tag of block signatures, so a block signature can never be mistaken for any other message. */
export const BLOCK_SIGNATURE_TAG = "paas/l2-block";

/**
 * What the sequencer signs for a block: the BIP340 tagged hash of (chain id as u64 big-endian,
 * block id). The chain id binds the signature to one rollup, the tag to this use of the key.
 */
export function blockSigningMessage(blockId: Uint8Array, params: Pick<RollupParams, "chainId">): Uint8Array {
  const chainId = new Uint8Array(8);
  new DataView(chainId.buffer).setBigUint64(0, BigInt(params.chainId));
  return schnorr.utils.taggedHash(BLOCK_SIGNATURE_TAG, chainId, blockId);
}

/** The BIP340 signature (64 bytes) of a header by the sequencer's secret key. */
export function signBlock(
  header: L2BlockHeader,
  secretKey: Uint8Array,
  params: Pick<RollupParams, "chainId">,
): Uint8Array {
  // Deterministic (fixed auxiliary randomness): a devnet run with a seeded key makes the same chain.
  return signSchnorr(blockSigningMessage(blockIdOf(header), params), secretKey);
}

/** Whether the block is signed by the params' sequencer key. Never throws on malformed input. */
export function verifyBlockSignature(
  block: SignedL2Block,
  params: Pick<RollupParams, "chainId" | "sequencerPublicKey">,
): boolean {
  try {
    const message = blockSigningMessage(blockIdOf(block.header), params);
    return verifySchnorr(block.signature, message, params.sequencerPublicKey);
  } catch {
    return false;
  }
}

/** The x-only public key (32 bytes) of a sequencer secret key, as `RollupParams.sequencerPublicKey` holds it. */
export function sequencerPublicKey(secretKey: Uint8Array): Uint8Array {
  return schnorrPublicKey(secretKey);
}
