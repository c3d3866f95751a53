import type { ReceiptMetadata } from "@paas/core";
import { ByteWriter, utf8 } from "../bytes.js";
import { taggedHash } from "../hash.js";
import { proofTypeTag, zkvmTag } from "./tags.js";

/** Domain tag of the signed message; bump it if the message layout ever changes. */
export const RECEIPT_MESSAGE_TAG = "paas/zkvm/native-receipt/v1";

/**
 * The 32-byte digest a native proof signs: a BIP340 tagged hash over every metadata field and the
 * public values, each variable-length part prefixed by its u64 little-endian length:
 * `[zkvm u8][program_id 32][ver_len u64][version][proof_type u8][pv_len u64][pv]`.
 * Changing any of them (zkvm, program id, version, proof type, public values) changes the digest.
 */
export function receiptMessage(publicValues: Uint8Array, metadata: ReceiptMetadata): Uint8Array {
  const version = utf8(metadata.version) ?? new Uint8Array();
  const header = new ByteWriter()
    .u8(zkvmTag(metadata.zkvm))
    .bytes(metadata.programId)
    .u64(version.length)
    .bytes(version)
    .u8(proofTypeTag(metadata.proofType))
    .u64(publicValues.length)
    .finish();
  return taggedHash(RECEIPT_MESSAGE_TAG, header, publicValues);
}
