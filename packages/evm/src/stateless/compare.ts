import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex, equalsBytes } from "@ethereumjs/util";
import { withScheduleHint } from "../chain-spec/block-rules.js";
import { EvmError, type EvmErrorCode } from "../errors.js";
import type { ExecutedBlock } from "../execution/execute-block.js";
import type { Hex } from "../hex.js";

function mismatch(
  header: BlockHeader,
  code: EvmErrorCode,
  check: string,
  computed: string,
  claimed: string,
  hint?: string,
) {
  return new EvmError(
    code,
    withScheduleHint(
      `block ${header.number}: ${check} check failed: computed ${computed}, header has ${claimed}`,
      hint,
    ),
    {
      blockNumber: header.number,
    },
  );
}

/** keccak256("DepositEvent(bytes,bytes,bytes,bytes,bytes)"): the log EIP-6110 reads deposits from. */
const DEPOSIT_TOPIC = "0x649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5";

/**
 * Why a requests hash may differ when the node computed it under its own rules: the block has
 * deposit events, none of them from the deposit contract the chain spec names (a spec written
 * without `depositContractAddress`, or with another chain's), so their deposits were not read.
 * The mismatch alone reads as a bad block, not as the operator's setting.
 */
function depositContractHint(executed: ExecutedBlock, depositContract: Hex): string | undefined {
  const emitters = new Set<string>();
  for (const receipt of executed.result.receipts) {
    for (const [address, topics] of receipt.logs) {
      if (topics[0] !== undefined && bytesToHex(topics[0]) === DEPOSIT_TOPIC)
        emitters.add(bytesToHex(address));
    }
  }
  if (emitters.size === 0 || emitters.has(depositContract)) return undefined;
  return (
    `the block has deposit events of ${[...emitters].join(", ")}, but the chain spec's ` +
    `depositContractAddress is ${depositContract}: is it the chain's?`
  );
}

/**
 * Requires what execution computed to equal what the block's header commits to. `depositContract`
 * (the chain spec's, lower-case) lets a requests hash mismatch name it when it is the likely cause.
 */
export function requireHeaderMatches(
  header: BlockHeader,
  executed: ExecutedBlock,
  depositContract?: Hex,
): void {
  const { result } = executed;
  if (result.gasUsed !== header.gasUsed) {
    throw mismatch(header, "GAS_USED_MISMATCH", "gas used", `${result.gasUsed}`, `${header.gasUsed}`);
  }
  if (!equalsBytes(result.receiptsRoot, header.receiptTrie)) {
    throw mismatch(
      header,
      "RECEIPTS_ROOT_MISMATCH",
      "receipts root",
      bytesToHex(result.receiptsRoot),
      bytesToHex(header.receiptTrie),
    );
  }
  if (!equalsBytes(result.logsBloom, header.logsBloom)) {
    throw mismatch(
      header,
      "LOGS_BLOOM_MISMATCH",
      "logs bloom",
      bytesToHex(result.logsBloom),
      bytesToHex(header.logsBloom),
    );
  }
  if (header.common.isActivatedEIP(7685)) {
    const computed = result.requestsHash;
    const claimed = header.requestsHash;
    if (computed === undefined || claimed === undefined || !equalsBytes(computed, claimed)) {
      throw mismatch(
        header,
        "REQUESTS_HASH_MISMATCH",
        "requests hash",
        computed === undefined ? "none" : bytesToHex(computed),
        claimed === undefined ? "none" : bytesToHex(claimed),
        depositContract === undefined ? undefined : depositContractHint(executed, depositContract),
      );
    }
  }
  if (!equalsBytes(result.stateRoot, header.stateRoot)) {
    throw mismatch(
      header,
      "STATE_ROOT_MISMATCH",
      "state root",
      bytesToHex(result.stateRoot),
      bytesToHex(header.stateRoot),
    );
  }
}
