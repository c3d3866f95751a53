import type { ProofReceipt, ProofType } from "@paas/core";
import { bytesEqual, parseHex, toHexDigits } from "@paas/core/contracts";
import { verifySchnorr } from "../bip340.js";
import { HostConfigError, ReceiptVerificationError } from "../errors.js";
import { validateReceipt } from "./codec.js";
import { receiptMessage } from "./message.js";

/** What a receipt must prove. A zkvm `Program` fits, so `verifyReceipt(r, { ...program, publicKey })` checks all three. */
export interface ExpectedProgram {
  readonly programId: Uint8Array;
  /** When given, the receipt's version must equal it. */
  readonly version?: string;
  /** When given, the receipt's proof type must equal it. */
  readonly proofType?: ProofType;
}

export interface VerifyReceiptOptions extends ExpectedProgram {
  /** The native host's x-only public key: 32 bytes, or 64 hex digits. */
  readonly publicKey: Uint8Array | string;
}

export const SIGNATURE_BYTES = 64;

/**
 * Verifies a native receipt: well-formed, made by the native zkvm, for the expected program (and
 * version and proof type when given), and signed by `publicKey` over `receiptMessage`. Throws
 * `ReceiptVerificationError` naming the first thing that is off; returns nothing when all hold.
 */
export function verifyReceipt(receipt: ProofReceipt, options: VerifyReceiptOptions): void {
  const publicKey = publicKeyBytes(options.publicKey);
  validateReceipt(receipt);
  const { metadata } = receipt;
  const reject = (code: ReceiptVerificationError["code"], message: string) =>
    new ReceiptVerificationError(code, `receipt rejected: ${message}`);
  if (metadata.zkvm !== "native") {
    throw reject(
      "RECEIPT_WRONG_ZKVM",
      `it was made by zkvm "${metadata.zkvm}", but only "native" receipts are verified with a host key`,
    );
  }
  if (!bytesEqual(metadata.programId, options.programId)) {
    throw reject(
      "RECEIPT_WRONG_PROGRAM",
      `it proves program 0x${toHexDigits(metadata.programId)}, expected 0x${toHexDigits(options.programId)}`,
    );
  }
  if (options.version !== undefined && metadata.version !== options.version) {
    throw reject("RECEIPT_WRONG_VERSION", `version is "${metadata.version}", expected "${options.version}"`);
  }
  if (options.proofType !== undefined && metadata.proofType !== options.proofType) {
    throw reject(
      "RECEIPT_WRONG_PROOF_TYPE",
      `proof type is "${metadata.proofType}", expected "${options.proofType}"`,
    );
  }
  if (receipt.proof.length !== SIGNATURE_BYTES) {
    throw reject(
      "RECEIPT_BAD_SIGNATURE",
      `the proof is ${receipt.proof.length} bytes, a native proof is a ${SIGNATURE_BYTES}-byte BIP340 signature`,
    );
  }
  if (!verifySchnorr(receipt.proof, receiptMessage(receipt.publicValues, metadata), publicKey)) {
    throw reject(
      "RECEIPT_BAD_SIGNATURE",
      `the signature does not verify against host key 0x${toHexDigits(publicKey)} ` +
        "(the receipt was altered, forged, or signed by another host)",
    );
  }
}

export function publicKeyBytes(key: Uint8Array | string): Uint8Array {
  const bytes = typeof key === "string" ? parseHex(key) : key;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new HostConfigError(
      "HOST_KEY_INVALID",
      "a host public key is 32 bytes (64 hex digits, x-only BIP340)",
    );
  }
  return bytes;
}
