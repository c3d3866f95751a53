import { schnorr } from "@noble/curves/secp256k1.js";
import { blockIdOf, type L2BlockHeader, type SignedL2Block } from "../types/block.js";
import type { RollupParams } from "../types/params.js";

/** BIP340 tag of block signatures, so a block signature can never be mistaken for any other message. */
export const BLOCK_SIGNATURE_TAG = "paas/l2-block";

/**
 * Zero auxiliary randomness: signatures are deterministic, so a devnet run with a seeded key
 * produces the same chain every time. BIP340 allows it; the nonce still depends on key and message.
 */
const AUX_RAND = new Uint8Array(32);

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
  return schnorr.sign(blockSigningMessage(blockIdOf(header), params), secretKey, AUX_RAND);
}

/** Whether the block is signed by the params' sequencer key. Never throws on malformed input. */
export function verifyBlockSignature(
  block: SignedL2Block,
  params: Pick<RollupParams, "chainId" | "sequencerPublicKey">,
): boolean {
  try {
    const message = blockSigningMessage(blockIdOf(block.header), params);
    return schnorr.verify(block.signature, message, params.sequencerPublicKey);
  } catch {
    return false;
  }
}

/** The x-only public key (32 bytes) of a sequencer secret key, as `RollupParams.sequencerPublicKey` holds it. */
export function sequencerPublicKey(secretKey: Uint8Array): Uint8Array {
  return schnorr.getPublicKey(secretKey);
}
