import type { ProofReceipt } from "@paas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeReceipt,
  encodeReceipt,
  NativeHost,
  ReceiptVerificationError,
  receiptMessage,
  verifyReceipt,
  ZkvmError,
} from "../src/index.js";
import { digestProgram, sumProgram } from "./fixtures/programs.js";

let host: NativeHost;
let genuine: ProofReceipt;

beforeAll(async () => {
  host = new NativeHost({ workers: 1, privateKey: "01".repeat(32) });
  genuine = await host.prove(digestProgram, Uint8Array.of(1, 2, 3), { signal: new AbortController().signal });
});
afterAll(() => host.close());

function rejection(receipt: ProofReceipt, expected: Parameters<NativeHost["verify"]>[1] = digestProgram) {
  try {
    host.verify(receipt, expected);
  } catch (error) {
    expect(error).toBeInstanceOf(ReceiptVerificationError);
    return error as ReceiptVerificationError;
  }
  throw new Error("expected the receipt to be rejected");
}

const flipBit = (bytes: Uint8Array, index: number) => {
  const copy = bytes.slice();
  copy[index]! ^= 1;
  return copy;
};
const withMetadata = (metadata: Partial<ProofReceipt["metadata"]>): ProofReceipt => ({
  ...genuine,
  metadata: { ...genuine.metadata, ...metadata },
});

describe("receipt verification", () => {
  it("accepts a genuine receipt by program, by program id and by public key", () => {
    host.verify(genuine, digestProgram);
    host.verify(genuine, digestProgram.programId);
    verifyReceipt(genuine, { publicKey: host.publicKeyHex, programId: digestProgram.programId });
    verifyReceipt(genuine, { ...digestProgram, publicKey: host.publicKey });
  });

  it("signs the tagged hash of every metadata field and the public values", () => {
    expect(receiptMessage(genuine.publicValues, genuine.metadata)).toHaveLength(32);
    expect(receiptMessage(genuine.publicValues, { ...genuine.metadata, proofType: "core" })).not.toEqual(
      receiptMessage(genuine.publicValues, genuine.metadata),
    );
  });

  it("rejects a flipped bit of the proof", () => {
    for (const index of [0, 31, 32, 63]) {
      const error = rejection({ ...genuine, proof: flipBit(genuine.proof, index) });
      expect(error.code).toBe("RECEIPT_BAD_SIGNATURE");
      expect(error.message).toMatch(/the signature does not verify against host key 0x[0-9a-f]{64}/);
    }
  });

  it("rejects a flipped bit of the public values", () => {
    for (let index = 0; index < genuine.publicValues.length; index++) {
      expect(rejection({ ...genuine, publicValues: flipBit(genuine.publicValues, index) }).code).toBe(
        "RECEIPT_BAD_SIGNATURE",
      );
    }
  });

  it("rejects another program id, whether or not the verifier expects it", () => {
    const other = withMetadata({ programId: sumProgram.programId });
    const mismatch = rejection(other);
    expect(mismatch.code).toBe("RECEIPT_WRONG_PROGRAM");
    expect(mismatch.message).toBe(
      `receipt rejected: it proves program 0x${sumProgram.programIdHex}, expected 0x${digestProgram.programIdHex}`,
    );
    expect(rejection(other, sumProgram.programId).code).toBe("RECEIPT_BAD_SIGNATURE");
  });

  it("rejects another zkvm tag", () => {
    const error = rejection(withMetadata({ zkvm: "sp1" }));
    expect(error.code).toBe("RECEIPT_WRONG_ZKVM");
    expect(error.message).toMatch(/made by zkvm "sp1", but only "native" receipts/);
  });

  it("rejects another version, whether or not the verifier names one", () => {
    expect(rejection(withMetadata({ version: "2" })).code).toBe("RECEIPT_WRONG_VERSION");
    expect(rejection(withMetadata({ version: "2" }), digestProgram.programId).code).toBe(
      "RECEIPT_BAD_SIGNATURE",
    );
  });

  it("rejects another proof type, whether or not the verifier names one", () => {
    const error = rejection(withMetadata({ proofType: "compressed" }));
    expect(error.code).toBe("RECEIPT_WRONG_PROOF_TYPE");
    expect(error.message).toBe('receipt rejected: proof type is "compressed", expected "groth16"');
    expect(rejection(withMetadata({ proofType: "compressed" }), digestProgram.programId).code).toBe(
      "RECEIPT_BAD_SIGNATURE",
    );
  });

  it("rejects a proof of the wrong size and a signature by another key", () => {
    expect(rejection({ ...genuine, proof: genuine.proof.subarray(0, 63) }).message).toMatch(
      /the proof is 63 bytes, a native proof is a 64-byte BIP340 signature/,
    );
    const otherKey = { publicKey: "02".repeat(32), programId: digestProgram.programId };
    expect(() => verifyReceipt(genuine, otherKey)).toThrow(ReceiptVerificationError);
  });

  it("refuses every single-bit change of the encoded receipt", () => {
    const bytes = encodeReceipt(genuine);
    for (let index = 0; index < bytes.length; index++) {
      for (const bit of [0, 7]) {
        const tampered = bytes.slice();
        tampered[index]! ^= 1 << bit;
        // Refused as malformed (ReceiptFormatError) or as not proving this (ReceiptVerificationError).
        expect(() => host.verify(decodeReceipt(tampered), digestProgram), `byte ${index} bit ${bit}`).toThrow(
          ZkvmError,
        );
      }
    }
  });
});
