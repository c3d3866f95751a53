import { type BlockHeader, createBlockHeaderFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { hexToBytes } from "@ethereumjs/util";
import { keccak256 } from "../crypto.js";
import { describeError, EvmError } from "../errors.js";
import { codeKey, nodeKey } from "../state/layout.js";
import type { ExecutionWitness } from "../witness/types.js";

/**
 * The witness's trie nodes and codes keyed the way the state database stores them. Keys are
 * computed here from the content, so a witness cannot file a node under another node's hash.
 */
export function witnessEntries(witness: ExecutionWitness): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  for (const node of witness.state) {
    const bytes = hexToBytes(node);
    entries.set(nodeKey(keccak256(bytes)), bytes);
  }
  for (const code of witness.codes) {
    const bytes = hexToBytes(code);
    entries.set(codeKey(keccak256(bytes)), bytes);
  }
  return entries;
}

export function witnessHeaders(
  witness: ExecutionWitness,
  common: Common,
  blockNumber: bigint,
): BlockHeader[] {
  return witness.headers.map((rlp, index) => {
    try {
      return createBlockHeaderFromRLP(hexToBytes(rlp), { common, setHardfork: true });
    } catch (error) {
      throw new EvmError(
        "INVALID_WITNESS",
        `block ${blockNumber}: witness header ${index} does not decode: ${describeError(error)}`,
        { blockNumber, cause: error },
      );
    }
  });
}
