import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex, equalsBytes } from "@ethereumjs/util";
import { EvmError, type EvmErrorCode } from "../errors.js";
import type { ExecutedBlock } from "../execution/execute-block.js";

function mismatch(header: BlockHeader, code: EvmErrorCode, check: string, computed: string, claimed: string) {
  return new EvmError(
    code,
    `block ${header.number}: ${check} check failed: computed ${computed}, header has ${claimed}`,
    {
      blockNumber: header.number,
    },
  );
}

/** Requires what execution computed to equal what the block's header commits to. */
export function requireHeaderMatches(header: BlockHeader, executed: ExecutedBlock): void {
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
