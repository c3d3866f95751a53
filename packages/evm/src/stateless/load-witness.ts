import { createBlockHeaderFromBytesArray } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { bytesToBigInt, hexToBytes } from "@ethereumjs/util";
import { HEADER_NUMBER, HEADER_TIMESTAMP } from "../blocks/header-fields.js";
import type { HeaderIndex } from "../chain/header-index.js";
import { forkScheduleHint, withScheduleHint } from "../chain-spec/block-rules.js";
import { chainSpecOf } from "../common.js";
import { keccak256 } from "../crypto.js";
import { describeError, EvmError } from "../errors.js";
import { codeKey, EMPTY_TRIE_ROOT_KEY, nodeKey } from "../state/layout.js";
import type { ExecutionWitness } from "../witness/types.js";

/**
 * The witness's trie nodes and codes keyed the way the state database stores them. Keys are
 * computed here from the content, so a witness cannot file a node under another node's hash.
 * An item hashing to the empty-trie root (`0x80`, the RLP of the empty string) is left out: no
 * trie stores that root as a node, every empty storage trie looks it up and must find nothing,
 * and found it reads as a node that does not decode, failing a valid block as invalid.
 */
export function witnessEntries(witness: ExecutionWitness): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  for (const node of witness.state) {
    const bytes = hexToBytes(node);
    const key = nodeKey(keccak256(bytes));
    if (key !== EMPTY_TRIE_ROOT_KEY) entries.set(key, bytes);
  }
  for (const code of witness.codes) {
    const bytes = hexToBytes(code);
    entries.set(codeKey(keccak256(bytes)), bytes);
  }
  return entries;
}

/**
 * Files the witness's ancestor headers in `index`, each decoded (under the fork it falls under)
 * only when a lookup first reaches it; one that does not decode then fails the block with
 * `INVALID_WITNESS`. A header before the merge is decoded without the consensus engine's format
 * checks: pre-merge rules are out of scope, and a proof-of-authority (Clique) header carries its
 * signer's seal in `extraData` (97 bytes and more), which proof-of-work's 32-byte limit would
 * refuse, so the merge block (whose parent is such a header) and every block whose BLOCKHASH
 * reaches one could not be executed. Ancestors are only reached by the hash of their content, so
 * those checks add nothing to soundness.
 */
export function addWitnessHeaders(
  index: HeaderIndex,
  witness: ExecutionWitness,
  common: Common,
  blockNumber: bigint,
): void {
  const mergeForkBlock = BigInt(chainSpecOf(common).mergeForkBlock);
  for (const [position, rlp] of witness.headers.entries()) {
    index.addEncoded(hexToBytes(rlp), (bytes) => {
      let hint: string | undefined;
      try {
        const values = RLP.decode(bytes);
        if (
          !Array.isArray(values) ||
          !(values[HEADER_NUMBER] instanceof Uint8Array) ||
          !(values[HEADER_TIMESTAMP] instanceof Uint8Array)
        ) {
          throw new Error("not an RLP list of header fields");
        }
        const number = bytesToBigInt(values[HEADER_NUMBER]);
        const preMerge = number < mergeForkBlock;
        if (!preMerge)
          hint = forkScheduleHint(common, values.length, number, bytesToBigInt(values[HEADER_TIMESTAMP]));
        const header = createBlockHeaderFromBytesArray(values as Uint8Array[], {
          common,
          setHardfork: true,
          skipConsensusFormatValidation: preMerge,
        });
        // Not every other fork's header is refused: Paris's decodes under Shanghai, the library
        // filling in a withdrawals root, as a header of another hash, which the index would take
        // for a parent the witness lacks.
        if (hint !== undefined) throw new Error("its fields are not those of the fork it falls under");
        return header;
      } catch (error) {
        throw new EvmError(
          "INVALID_WITNESS",
          `block ${blockNumber}: witness header ${position} does not decode: ${withScheduleHint(describeError(error), hint)}`,
          { blockNumber, cause: error },
        );
      }
    });
  }
}
