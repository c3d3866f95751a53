import type { ProofReceipt, ProofType, ZkVm } from "@paas/core";
import { parseHex, toHexDigits } from "@paas/core/contracts";
import { ReceiptFormatError } from "../errors.js";
import {
  DEFAULT_RECEIPT_LIMITS,
  decodeReceipt,
  encodeReceipt,
  PROGRAM_ID_BYTES,
  type ReceiptLimits,
  validateReceipt,
} from "./codec.js";

/** The JSON form of a receipt for RPC: byte fields as `0x`-prefixed lower-case hex. */
export interface ReceiptJson {
  readonly proof: string;
  readonly publicValues: string;
  readonly metadata: {
    readonly zkvm: ZkVm;
    readonly programId: string;
    readonly version: string;
    readonly proofType: ProofType;
  };
}

export function receiptToJson(receipt: ProofReceipt): ReceiptJson {
  validateReceipt(receipt);
  const { proof, publicValues, metadata } = receipt;
  return {
    proof: `0x${toHexDigits(proof)}`,
    publicValues: `0x${toHexDigits(publicValues)}`,
    metadata: metadataToJson(metadata),
  };
}

function metadataToJson(metadata: ProofReceipt["metadata"]): ReceiptJson["metadata"] {
  return {
    zkvm: metadata.zkvm,
    programId: `0x${toHexDigits(metadata.programId)}`,
    version: metadata.version,
    proofType: metadata.proofType,
  };
}

/**
 * Bytes of a receipt's proof or public values turned into hex per piece of `receiptJsonPieces`: a
 * 512 KiB piece of text, about a millisecond of work between two turns of the event loop.
 */
export const RECEIPT_JSON_SLICE_BYTES = 256 * 1024;

/**
 * The text of `JSON.stringify(receiptToJson(receipt))`, a piece at a time. A receipt's proof can
 * be tens of megabytes: its hex as one string, that string's JSON and its encoding for the socket
 * took half a second of one thread at 30 MB and three copies of the hex in memory. Each piece here
 * holds the hex of at most `sliceBytes` bytes.
 */
export function receiptJsonPieces(
  receipt: ProofReceipt,
  sliceBytes: number = RECEIPT_JSON_SLICE_BYTES,
): Generator<string> {
  // Here, not in the generator's body, so that a bad receipt fails the call that asked for it.
  validateReceipt(receipt);
  return jsonPieces(receipt, sliceBytes);
}

function* jsonPieces(receipt: ProofReceipt, sliceBytes: number): Generator<string> {
  yield '{"proof":"0x';
  yield* hexPieces(receipt.proof, sliceBytes);
  yield '","publicValues":"0x';
  yield* hexPieces(receipt.publicValues, sliceBytes);
  yield `","metadata":${JSON.stringify(metadataToJson(receipt.metadata))}}`;
}

function* hexPieces(bytes: Uint8Array, sliceBytes: number): Generator<string> {
  for (let start = 0; start < bytes.byteLength; start += sliceBytes) {
    yield toHexDigits(bytes.subarray(start, start + sliceBytes));
  }
}

/** Parses and validates the JSON form; unknown or missing fields and malformed hex are refused. */
export function receiptFromJson(json: unknown, limits: Partial<ReceiptLimits> = {}): ProofReceipt {
  const caps = { ...DEFAULT_RECEIPT_LIMITS, ...limits };
  const root = record(json, "receipt", ["proof", "publicValues", "metadata"]);
  const metadata = record(root.metadata, "receipt.metadata", ["zkvm", "programId", "version", "proofType"]);
  const receipt = {
    proof: hexField(root.proof, "receipt.proof", caps.maxProofBytes),
    publicValues: hexField(root.publicValues, "receipt.publicValues", caps.maxPublicValuesBytes),
    metadata: {
      zkvm: metadata.zkvm as ZkVm,
      programId: hexField(metadata.programId, "receipt.metadata.programId", PROGRAM_ID_BYTES),
      version: metadata.version as string,
      proofType: metadata.proofType as ProofType,
    },
  };
  // The remaining checks (tags, program id size, version) are the binary codec's own.
  validateReceipt(receipt, caps);
  return receipt;
}

/** The binary encoding as `0x` hex: the form `cl_submitCheckpointProof` carries. */
export function receiptToHex(receipt: ProofReceipt): string {
  return `0x${toHexDigits(encodeReceipt(receipt))}`;
}

export function receiptFromHex(hex: string, limits: Partial<ReceiptLimits> = {}): ProofReceipt {
  const caps = { ...DEFAULT_RECEIPT_LIMITS, ...limits };
  // The largest valid receipt: both lengths, the zkvm tag, version length, program id and proof type.
  const maxBytes = 8 + caps.maxProofBytes + 8 + caps.maxPublicValuesBytes + 1 + 8 + caps.maxVersionBytes + 33;
  if (typeof hex !== "string")
    throw new ReceiptFormatError("RECEIPT_BAD_HEX", "receipt hex must be a string");
  if (hex.length > 2 + 2 * maxBytes) {
    throw new ReceiptFormatError(
      "RECEIPT_LENGTH_OVER_LIMIT",
      `receipt hex is ${hex.length} characters, above the ${maxBytes}-byte receipt limit`,
    );
  }
  const bytes = parseHex(hex);
  if (!bytes)
    throw new ReceiptFormatError("RECEIPT_BAD_HEX", "receipt hex is not an even number of hex digits");
  return decodeReceipt(bytes, caps);
}

function record(value: unknown, where: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ReceiptFormatError("RECEIPT_BAD_FIELD", `${where} must be an object`);
  }
  const fields = value as Record<string, unknown>;
  for (const key of keys) {
    if (!(key in fields)) throw new ReceiptFormatError("RECEIPT_BAD_FIELD", `${where}.${key} is missing`);
  }
  const extra = Object.keys(fields).filter((key) => !keys.includes(key));
  if (extra.length > 0) {
    throw new ReceiptFormatError("RECEIPT_BAD_FIELD", `${where} has unknown fields: ${extra.join(", ")}`);
  }
  return fields;
}

function hexField(value: unknown, where: string, maxBytes: number): Uint8Array {
  if (typeof value !== "string" || !value.startsWith("0x")) {
    throw new ReceiptFormatError("RECEIPT_BAD_HEX", `${where} must be a 0x-prefixed hex string`);
  }
  if (value.length > 2 + 2 * maxBytes) {
    throw new ReceiptFormatError(
      "RECEIPT_LENGTH_OVER_LIMIT",
      `${where} is above the limit of ${maxBytes} bytes`,
    );
  }
  const bytes = parseHex(value);
  if (!bytes) throw new ReceiptFormatError("RECEIPT_BAD_HEX", `${where} is not an even number of hex digits`);
  return bytes;
}
