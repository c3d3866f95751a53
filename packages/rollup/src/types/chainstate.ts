import { ContainerType, type ValueOf } from "@chainsafe/ssz";
import { z } from "zod";
import { ExecTipJson, ExecTipSsz, L2BlockCommitmentJson, L2BlockCommitmentSsz } from "./commitments.js";
import { Uint64, u64Json } from "./primitives.js";

/** The CL state after a block: where the chain is, and what EL state it has reached. */
export const ChainstateSsz = new ContainerType(
  {
    slot: Uint64,
    epoch: Uint64,
    /** The last block applied (at genesis, the genesis block). */
    tip: L2BlockCommitmentSsz,
    execTip: ExecTipSsz,
  },
  { typeName: "Chainstate" },
);
export type Chainstate = ValueOf<typeof ChainstateSsz>;
export const ChainstateJson = z.object({
  slot: u64Json,
  epoch: u64Json,
  tip: L2BlockCommitmentJson,
  execTip: ExecTipJson,
}) satisfies z.ZodType<Chainstate>;

/** The chainstate's commitment, as checkpoints and the CL STF output carry it: its hash tree root. */
export function chainstateRoot(chainstate: Chainstate): Uint8Array {
  return ChainstateSsz.hashTreeRoot(chainstate);
}
