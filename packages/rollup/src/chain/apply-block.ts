import { bytesEqual, shortHex } from "@paas/core/contracts";
import { blockIdOf, bodyRootOf, type SignedL2Block } from "../types/block.js";
import type { Chainstate } from "../types/chainstate.js";
import type { EvmBlockCommitment } from "../types/commitments.js";
import type { RollupParams } from "../types/params.js";
import { epochOfSlot } from "./epochs.js";
import { BlockRejectedError } from "./errors.js";
import { verifyBlockSignature } from "./signing.js";
import { headerStateRoot, nextChainstate } from "./transition.js";

export interface ApplyBlockOptions {
  /**
   * The EL block a proof says was executed at this height. When given, the exec segment must equal
   * it and it must extend the exec tip. The CL STF always passes it; the sequencer, which built the
   * EL block itself, passes it too.
   */
  readonly provenExecBlock?: EvmBlockCommitment;
}

/**
 * Applies one signed block to a chainstate and returns the next chainstate, or throws a
 * `BlockRejectedError` naming the slot and the first check that failed. Checks, in order:
 * signature, parent, slot, epoch, body root, exec continuity and segment, state root.
 * Pure and synchronous: the devnet's sequencer and the CL STF guest run exactly this.
 */
export function applyBlock(
  chainstate: Chainstate,
  block: SignedL2Block,
  params: RollupParams,
  options: ApplyBlockOptions = {},
): Chainstate {
  const { header, body } = block;
  const { slot } = header;
  const reject = (check: ConstructorParameters<typeof BlockRejectedError>[1], detail: string) =>
    new BlockRejectedError(slot, check, detail);

  if (!verifyBlockSignature(block, params)) {
    throw reject(
      "SIGNATURE",
      `signature does not verify under sequencer key ${shortHex(params.sequencerPublicKey)}`,
    );
  }
  if (!bytesEqual(header.parentId, chainstate.tip.blockId)) {
    throw reject(
      "PARENT",
      `parent ${shortHex(header.parentId)} is not the tip ${shortHex(chainstate.tip.blockId)} (slot ${chainstate.tip.slot})`,
    );
  }
  if (slot !== chainstate.tip.slot + 1) {
    throw reject(
      "SLOT",
      `expected slot ${chainstate.tip.slot + 1} after the tip at slot ${chainstate.tip.slot}`,
    );
  }
  const epoch = epochOfSlot(slot, params);
  if (header.epoch !== epoch) {
    throw reject("EPOCH", `header says epoch ${header.epoch}, slot ${slot} is in epoch ${epoch}`);
  }
  const bodyRoot = bodyRootOf(body);
  if (!bytesEqual(header.bodyRoot, bodyRoot)) {
    throw reject(
      "BODY_ROOT",
      `header body root ${shortHex(header.bodyRoot)}, body hashes to ${shortHex(bodyRoot)}`,
    );
  }
  checkExecSegment(chainstate, block, options.provenExecBlock, reject);

  const next = nextChainstate(header, body, blockIdOf(header));
  const expected = headerStateRoot(next);
  if (!bytesEqual(header.stateRoot, expected)) {
    throw reject(
      "STATE_ROOT",
      `header state root ${shortHex(header.stateRoot)}, the block produces ${shortHex(expected)}`,
    );
  }
  return next;
}

function checkExecSegment(
  chainstate: Chainstate,
  block: SignedL2Block,
  proven: EvmBlockCommitment | undefined,
  reject: (check: "EXEC_CONTINUITY" | "EXEC_SEGMENT", detail: string) => BlockRejectedError,
): void {
  const segment = block.body.execSegment;
  const { execTip } = chainstate;
  if (segment.elBlockNumber !== execTip.number + 1) {
    throw reject(
      "EXEC_CONTINUITY",
      `exec segment carries EL block ${segment.elBlockNumber}, expected ${execTip.number + 1} after the exec tip`,
    );
  }
  if (proven === undefined) return;
  const mismatches = [
    proven.number !== segment.elBlockNumber && `number ${segment.elBlockNumber} vs proven ${proven.number}`,
    !bytesEqual(proven.hash, segment.elBlockHash) &&
      `hash ${shortHex(segment.elBlockHash)} vs proven ${shortHex(proven.hash)}`,
    !bytesEqual(proven.stateRoot, segment.elStateRoot) &&
      `state root ${shortHex(segment.elStateRoot)} vs proven ${shortHex(proven.stateRoot)}`,
  ].filter((text): text is string => typeof text === "string");
  if (mismatches.length > 0) {
    throw reject("EXEC_SEGMENT", `exec segment differs from the proven EL block: ${mismatches.join(", ")}`);
  }
  if (!bytesEqual(proven.parentHash, execTip.hash)) {
    throw reject(
      "EXEC_CONTINUITY",
      `proven EL block ${proven.number} extends ${shortHex(proven.parentHash)}, not the exec tip ${shortHex(execTip.hash)}`,
    );
  }
}
