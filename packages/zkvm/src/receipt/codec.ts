import type { ProofReceipt } from "@paas/core";
import { ByteReader, ByteWriter, fromUtf8, utf8 } from "../bytes.js";
import { ReceiptFormatError } from "../errors.js";
import {
  isProofType,
  isZkVm,
  KNOWN_PROOF_TYPES,
  KNOWN_ZKVMS,
  proofTypeFromTag,
  proofTypeTag,
  zkvmFromTag,
  zkvmTag,
} from "./tags.js";

export const PROGRAM_ID_BYTES = 32;

/**
 * Upper bounds on the variable-length fields. A u64 length can claim exabytes; the caps refuse such
 * input before anything is allocated. The defaults leave room for real zkVM proofs (an SP1
 * compressed proof is about 1.3 MB).
 */
export interface ReceiptLimits {
  readonly maxProofBytes: number;
  readonly maxPublicValuesBytes: number;
  readonly maxVersionBytes: number;
}

export const DEFAULT_RECEIPT_LIMITS: ReceiptLimits = Object.freeze({
  maxProofBytes: 64 * 1024 * 1024,
  maxPublicValuesBytes: 64 * 1024 * 1024,
  maxVersionBytes: 256,
});

/**
 * zkaleido's `ProofReceiptWithMetadata` layout (bincode, little-endian u64 lengths):
 * `[proof_len u64][proof][pv_len u64][pv][zkvm u8][ver_len u64][version utf8][program_id 32][proof_type u8]`.
 */
export function encodeReceipt(receipt: ProofReceipt, limits: Partial<ReceiptLimits> = {}): Uint8Array {
  const version = validateReceipt(receipt, limits);
  const { proof, publicValues, metadata } = receipt;
  return new ByteWriter()
    .u64(proof.length)
    .bytes(proof)
    .u64(publicValues.length)
    .bytes(publicValues)
    .u8(zkvmTag(metadata.zkvm))
    .u64(version.length)
    .bytes(version)
    .bytes(metadata.programId)
    .u8(proofTypeTag(metadata.proofType))
    .finish();
}

/** Decodes the layout of `encodeReceipt`; anything else (short, oversized, unknown tags, extra bytes) is refused. */
export function decodeReceipt(bytes: Uint8Array, limits: Partial<ReceiptLimits> = {}): ProofReceipt {
  const caps = { ...DEFAULT_RECEIPT_LIMITS, ...limits };
  const reader = new ByteReader(
    bytes,
    (field, needed, offset, available) =>
      new ReceiptFormatError(
        "RECEIPT_TRUNCATED",
        `receipt truncated: the ${field} needs ${needed} bytes at offset ${offset}, only ${available} remain`,
      ),
  );
  const proof = reader.take(lengthField(reader, "proof", caps.maxProofBytes), "proof");
  const publicValues = reader.take(
    lengthField(reader, "public values", caps.maxPublicValuesBytes),
    "public values",
  );
  const zkvmAt = reader.offset;
  const zkvmByte = reader.u8("zkvm tag");
  const zkvm = zkvmFromTag(zkvmByte);
  if (!zkvm) {
    throw new ReceiptFormatError(
      "RECEIPT_UNKNOWN_ZKVM",
      `receipt zkvm tag ${zkvmByte} at offset ${zkvmAt} is unknown (known: ${KNOWN_ZKVMS})`,
    );
  }
  const versionAt = reader.offset + 8;
  const version = fromUtf8(reader.take(lengthField(reader, "version", caps.maxVersionBytes), "version"));
  if (version === undefined) {
    throw new ReceiptFormatError(
      "RECEIPT_BAD_UTF8",
      `receipt version at offset ${versionAt} is not valid UTF-8`,
    );
  }
  const programId = reader.take(PROGRAM_ID_BYTES, "program id");
  const proofTypeAt = reader.offset;
  const proofTypeByte = reader.u8("proof type tag");
  const proofType = proofTypeFromTag(proofTypeByte);
  if (!proofType) {
    throw new ReceiptFormatError(
      "RECEIPT_UNKNOWN_PROOF_TYPE",
      `receipt proof type tag ${proofTypeByte} at offset ${proofTypeAt} is unknown (known: ${KNOWN_PROOF_TYPES})`,
    );
  }
  if (reader.remaining > 0) {
    throw new ReceiptFormatError(
      "RECEIPT_TRAILING_BYTES",
      `receipt has ${reader.remaining} trailing bytes after the proof type (offset ${reader.offset})`,
    );
  }
  return { proof, publicValues, metadata: { zkvm, programId, version, proofType } };
}

/** Reads a u64 length and checks it against the cap and against what is left of the input. */
function lengthField(reader: ByteReader, field: string, max: number): number {
  const at = reader.offset;
  const length = reader.u64(`${field} length`);
  if (length > BigInt(max)) {
    throw new ReceiptFormatError(
      "RECEIPT_LENGTH_OVER_LIMIT",
      `receipt ${field} length ${length} at offset ${at} is above the limit of ${max} bytes`,
    );
  }
  if (length > BigInt(reader.remaining)) {
    throw new ReceiptFormatError(
      "RECEIPT_LENGTH_EXCEEDS_INPUT",
      `receipt ${field} length ${length} at offset ${at} runs past the input (${reader.remaining} bytes remain)`,
    );
  }
  return Number(length);
}

/**
 * Checks an in-memory receipt against the layout (types, tags, program id size, limits) so that
 * whatever is encoded can be decoded again. Returns the version's UTF-8 bytes.
 */
export function validateReceipt(receipt: ProofReceipt, limits: Partial<ReceiptLimits> = {}): Uint8Array {
  const caps = { ...DEFAULT_RECEIPT_LIMITS, ...limits };
  const bad = (message: string) => new ReceiptFormatError("RECEIPT_BAD_FIELD", `receipt ${message}`);
  if (typeof receipt !== "object" || receipt === null) throw bad("must be an object");
  const { proof, publicValues, metadata } = receipt;
  if (!(proof instanceof Uint8Array)) throw bad("proof must be a Uint8Array");
  if (proof.length > caps.maxProofBytes) throw bad(`proof is above the limit of ${caps.maxProofBytes} bytes`);
  if (!(publicValues instanceof Uint8Array)) throw bad("publicValues must be a Uint8Array");
  if (publicValues.length > caps.maxPublicValuesBytes) {
    throw bad(`publicValues are above the limit of ${caps.maxPublicValuesBytes} bytes`);
  }
  if (typeof metadata !== "object" || metadata === null) throw bad("metadata must be an object");
  if (!isZkVm(metadata.zkvm)) throw bad(`zkvm "${String(metadata.zkvm)}" is unknown (known: ${KNOWN_ZKVMS})`);
  if (!(metadata.programId instanceof Uint8Array) || metadata.programId.length !== PROGRAM_ID_BYTES) {
    throw bad(`programId must be ${PROGRAM_ID_BYTES} bytes`);
  }
  if (!isProofType(metadata.proofType)) {
    throw bad(`proofType "${String(metadata.proofType)}" is unknown (known: ${KNOWN_PROOF_TYPES})`);
  }
  const version = typeof metadata.version === "string" ? utf8(metadata.version) : undefined;
  if (version === undefined) throw bad("version must be a well-formed string");
  if (version.length > caps.maxVersionBytes) {
    throw bad(`version is above the limit of ${caps.maxVersionBytes} bytes`);
  }
  return version;
}
