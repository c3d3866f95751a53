import { ContainerType, type ValueOf } from "@chainsafe/ssz";
import { schnorr } from "@noble/curves/secp256k1.js";
import { z } from "zod";
import { ExecTipJson, ExecTipSsz } from "./commitments.js";
import { Bytes32, bytes32Json, Uint64, u64Json } from "./primitives.js";

/**
 * What the rollup starts from. The genesis block and chainstate are derived from it
 * (`buildGenesis`), so a node and a prover given the same params agree on them by construction.
 */
export const GenesisSsz = new ContainerType(
  {
    /** Unix seconds of the genesis block. */
    timestamp: Uint64,
    /** The EL block the rollup starts from (usually the EL genesis block). */
    execBlock: ExecTipSsz,
  },
  { typeName: "Genesis" },
);
export type Genesis = ValueOf<typeof GenesisSsz>;
export const GenesisJson = z.object({
  timestamp: u64Json,
  execBlock: ExecTipJson,
}) satisfies z.ZodType<Genesis>;

export const RollupParamsSsz = new ContainerType(
  {
    /**
     * The chain id, of the rollup and of its EL at once: part of the block signing message (so a
     * signature is only valid on one chain), and the chain whose rules the EVM EE STF proofs the CL
     * STF accepts must name (`EvmEeStfOutput.chainId`).
     */
    chainId: Uint64,
    /**
     * The hash of the EL's chain spec (`chainSpecHash` of @paas/evm: chain id, merge block, fork
     * schedule, deposit contract): the rules the EVM EE STF proofs the CL STF accepts must have
     * executed the EL blocks under (`EvmEeStfOutput.chainSpecHash`). The hash, not the spec: the CL
     * STF only compares it, the spec itself is the EL's to publish.
     */
    elChainSpecHash: Bytes32,
    /** BIP340 x-only public key (32 bytes) of the sequencer. */
    sequencerPublicKey: Bytes32,
    slotsPerEpoch: Uint64,
    genesis: GenesisSsz,
  },
  { typeName: "RollupParams" },
);
export type RollupParams = ValueOf<typeof RollupParamsSsz>;

export const RollupParamsJson = z.object({
  chainId: u64Json,
  elChainSpecHash: bytes32Json,
  sequencerPublicKey: bytes32Json.refine(isXOnlyPublicKey, "not a valid BIP340 x-only public key"),
  slotsPerEpoch: u64Json.min(1),
  genesis: GenesisJson,
}) satisfies z.ZodType<RollupParams>;

/**
 * The params' commitment: their hash tree root. CL STF outputs and checkpoint transitions carry it
 * (`paramsRoot`), so a proof says under which params — sequencer key, chain id, EL chain spec, slots
 * per epoch, genesis — its blocks were checked, and a consumer compares it with the root of its own params.
 */
export function rollupParamsRoot(params: RollupParams): Uint8Array {
  return RollupParamsSsz.hashTreeRoot(params);
}

/** Whether 32 bytes are the x coordinate of a secp256k1 point (what BIP340 verification requires). */
export function isXOnlyPublicKey(key: Uint8Array): boolean {
  if (key.length !== 32) return false;
  try {
    schnorr.utils.lift_x(BigInt(`0x${Buffer.from(key).toString("hex")}`));
    return true;
  } catch {
    return false;
  }
}
