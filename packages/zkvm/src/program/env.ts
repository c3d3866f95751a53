import type { ProofReceipt } from "@paas/core/contracts";
import { ByteWriter } from "../bytes.js";
import { GuestOutputError, ReceiptVerificationError, ZkvmError } from "../errors.js";
import { DEFAULT_RECEIPT_LIMITS, decodeReceipt } from "../receipt/codec.js";
import { type ExpectedProgram, verifyReceipt } from "../receipt/verify.js";
import { decodeValue, encodeValue } from "../value/codec.js";
import { InputReader } from "./input.js";

/** What a guest sees: its input, in the order `writeInput` wrote it, and its public values. */
export interface GuestEnv {
  /** The next input item, written with `writer.write(value)`. Not checked against `T`: validate it. */
  read<T = unknown>(): T;
  /** The next input item, written with `writer.writeBytes(bytes)`. */
  readBytes(): Uint8Array;
  /**
   * The next input item, written with `writer.writeReceipt(receipt)`: verifies it against the host
   * key and `expected` (pass the inner `Program` to check its id, version and proof type, or just a
   * program id) and returns its public values. Any mismatch throws, which fails the outer proof.
   */
  readVerified(expected: Uint8Array | ExpectedProgram): Uint8Array;
  /** Appends a value, canonically encoded, to the public values. */
  commit(value: unknown): void;
  /** Appends raw bytes, without a length, to the public values. */
  commitBytes(bytes: Uint8Array): void;
}

export interface GuestRun {
  readonly env: GuestEnv;
  /** The public values committed so far. */
  publicValues(): Uint8Array;
}

/** `trustedKeys`: the host's key and any other it accepts inner receipts from (see `readVerified`). */
export function createGuestEnv(input: Uint8Array, trustedKeys: readonly Uint8Array[]): GuestRun {
  const items = new InputReader(input);
  const committed = new ByteWriter();
  let commits = 0;
  // Public values past the receipt limit would be signed into a receipt that no receipt codec,
  // verifier or dependent proof takes: refused at the commit, before a runaway guest grows them
  // further.
  const append = (bytes: Uint8Array, call: string) => {
    const total = committed.length + bytes.length;
    if (total > DEFAULT_RECEIPT_LIMITS.maxPublicValuesBytes) {
      throw new GuestOutputError(
        "OUTPUT_OVER_LIMIT",
        `${call}: the public values would be ${total} bytes, above the receipt limit of ${DEFAULT_RECEIPT_LIMITS.maxPublicValuesBytes} bytes`,
      );
    }
    committed.bytes(bytes);
    commits++;
  };
  const env: GuestEnv = {
    read<T>() {
      return decodeValue(items.next("value", "read()")) as T;
    },
    readBytes() {
      return items.next("bytes", "readBytes()");
    },
    readVerified(expected) {
      const index = items.index;
      const bytes = items.next("receipt", "readVerified()");
      const expectation = expected instanceof Uint8Array ? { programId: expected } : expected;
      try {
        const receipt = decodeReceipt(bytes);
        verifyByAnyKey(receipt, pickExpected(expectation), trustedKeys);
        return receipt.publicValues;
      } catch (error) {
        // Same error, with the item named: the message is what reaches the host as the failure.
        if (error instanceof ZkvmError) error.message = `readVerified, input item ${index}: ${error.message}`;
        throw error;
      }
    },
    commit(value) {
      // Encoded apart first, so a value that fails to encode leaves no partial bytes behind.
      append(encodeValue(value, `committed value ${commits}`), "commit()");
    },
    commitBytes(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError("commitBytes takes a Uint8Array");
      append(bytes, "commitBytes()");
    },
  };
  return { env, publicValues: () => committed.finish() };
}

/**
 * Verifies against each trusted key in turn: a signature that fits none of them fails with the
 * first key's reason; any other mismatch (program, version, proof type) fails at once.
 */
function verifyByAnyKey(receipt: ProofReceipt, expected: ExpectedProgram, keys: readonly Uint8Array[]): void {
  let first: unknown;
  for (const publicKey of keys) {
    try {
      verifyReceipt(receipt, { ...expected, publicKey });
      return;
    } catch (error) {
      if (!(error instanceof ReceiptVerificationError) || error.code !== "RECEIPT_BAD_SIGNATURE") throw error;
      first ??= error;
    }
  }
  throw first;
}

/**
 * Only the expectation fields: a `Program` also carries functions and a getter, and spreading it
 * would copy them. Reading `programId` once also avoids copying the id on every access.
 */
function pickExpected(expected: ExpectedProgram): ExpectedProgram {
  return { programId: expected.programId, version: expected.version, proofType: expected.proofType };
}
