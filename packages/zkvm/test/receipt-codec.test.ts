import type { ProofReceipt } from "@paas/core";
import { describe, expect, it } from "vitest";
import {
  decodeReceipt,
  encodeReceipt,
  ReceiptFormatError,
  receiptFromHex,
  receiptFromJson,
  receiptJsonPieces,
  receiptToHex,
  receiptToJson,
} from "../src/index.js";

const receipt: ProofReceipt = {
  proof: Uint8Array.from([0xaa, 0xbb]),
  publicValues: Uint8Array.from([1, 2, 3]),
  metadata: { zkvm: "sp1", programId: new Uint8Array(32).fill(0x11), version: "v1", proofType: "groth16" },
};

// zkaleido's ProofReceiptWithMetadata, written out by hand.
const expectedBytes = Uint8Array.from([
  ...[2, 0, 0, 0, 0, 0, 0, 0], // proof length, u64 LE
  0xaa,
  0xbb,
  ...[3, 0, 0, 0, 0, 0, 0, 0], // public values length
  1,
  2,
  3,
  1, // zkvm: SP1
  ...[2, 0, 0, 0, 0, 0, 0, 0], // version length
  0x76, // "v"
  0x31, // "1"
  ...new Array(32).fill(0x11), // program id
  2, // proof type: Groth16
]);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ReceiptFormatError);
    return (error as ReceiptFormatError).code;
  }
  return undefined;
}

describe("receipt binary codec", () => {
  it("encodes the zkaleido layout byte for byte", () => {
    expect(encodeReceipt(receipt)).toEqual(expectedBytes);
    expect(decodeReceipt(expectedBytes)).toEqual(receipt);
  });

  it("round-trips every zkvm and proof type, empty fields and a multi-byte version", () => {
    for (const zkvm of ["native", "sp1", "risc0"] as const) {
      for (const proofType of ["core", "compressed", "groth16"] as const) {
        const r: ProofReceipt = {
          proof: new Uint8Array(),
          publicValues: new Uint8Array(1000).fill(7),
          metadata: { zkvm, proofType, programId: new Uint8Array(32).fill(3), version: "0.3.0-β" },
        };
        expect(decodeReceipt(encodeReceipt(r))).toEqual(r);
      }
    }
  });

  it("does not alias the input buffer", () => {
    const bytes = encodeReceipt(receipt);
    const decoded = decodeReceipt(bytes);
    bytes.fill(0);
    expect(decoded).toEqual(receipt);
  });

  it("refuses every truncation", () => {
    for (let length = 0; length < expectedBytes.length; length++) {
      expect(codeOf(() => decodeReceipt(expectedBytes.subarray(0, length)))).toMatch(
        /^RECEIPT_(TRUNCATED|LENGTH_EXCEEDS_INPUT)$/,
      );
    }
    expect(() => decodeReceipt(expectedBytes.subarray(0, 20))).toThrow(
      /public values length .* runs past the input/,
    );
    expect(() => decodeReceipt(expectedBytes.subarray(0, 4))).toThrow(
      /the proof length needs 8 bytes at offset 0/,
    );
  });

  it("refuses a length beyond the buffer", () => {
    const bytes = expectedBytes.slice();
    bytes[0] = 200;
    expect(codeOf(() => decodeReceipt(bytes))).toBe("RECEIPT_LENGTH_EXCEEDS_INPUT");
  });

  it("refuses a length above the cap before allocating", () => {
    const bytes = expectedBytes.slice();
    bytes[7] = 0x80; // proof length 2^63 + 2
    expect(codeOf(() => decodeReceipt(bytes))).toBe("RECEIPT_LENGTH_OVER_LIMIT");
    expect(codeOf(() => decodeReceipt(expectedBytes, { maxPublicValuesBytes: 2 }))).toBe(
      "RECEIPT_LENGTH_OVER_LIMIT",
    );
    expect(codeOf(() => decodeReceipt(expectedBytes, { maxVersionBytes: 1 }))).toBe(
      "RECEIPT_LENGTH_OVER_LIMIT",
    );
  });

  it("refuses unknown zkvm and proof type tags", () => {
    const zkvm = expectedBytes.slice();
    zkvm[21] = 3;
    expect(codeOf(() => decodeReceipt(zkvm))).toBe("RECEIPT_UNKNOWN_ZKVM");
    expect(() => decodeReceipt(zkvm)).toThrow(
      /zkvm tag 3 at offset 21 is unknown \(known: 0 native, 1 sp1, 2 risc0\)/,
    );
    const proofType = expectedBytes.slice();
    proofType[proofType.length - 1] = 9;
    expect(codeOf(() => decodeReceipt(proofType))).toBe("RECEIPT_UNKNOWN_PROOF_TYPE");
  });

  it("refuses a version that is not UTF-8", () => {
    const bytes = expectedBytes.slice();
    bytes[30] = 0xff;
    expect(codeOf(() => decodeReceipt(bytes))).toBe("RECEIPT_BAD_UTF8");
  });

  it("refuses trailing bytes", () => {
    const bytes = Uint8Array.from([...expectedBytes, 0]);
    expect(codeOf(() => decodeReceipt(bytes))).toBe("RECEIPT_TRAILING_BYTES");
  });

  it("refuses to encode a receipt it could not decode", () => {
    const bad = (metadata: object) =>
      ({ ...receipt, metadata: { ...receipt.metadata, ...metadata } }) as ProofReceipt;
    expect(codeOf(() => encodeReceipt(bad({ programId: new Uint8Array(31) })))).toBe("RECEIPT_BAD_FIELD");
    expect(codeOf(() => encodeReceipt(bad({ zkvm: "jolt" })))).toBe("RECEIPT_BAD_FIELD");
    expect(codeOf(() => encodeReceipt(bad({ proofType: "plonk" })))).toBe("RECEIPT_BAD_FIELD");
    expect(codeOf(() => encodeReceipt(bad({ version: "\ud800" })))).toBe("RECEIPT_BAD_FIELD");
    expect(codeOf(() => encodeReceipt(bad({ version: "x".repeat(300) })))).toBe("RECEIPT_BAD_FIELD");
  });
});

describe("receipt JSON and hex forms", () => {
  it("round-trips through JSON with 0x hex fields", () => {
    const json = receiptToJson(receipt);
    expect(json).toEqual({
      proof: "0xaabb",
      publicValues: "0x010203",
      metadata: { zkvm: "sp1", programId: `0x${"11".repeat(32)}`, version: "v1", proofType: "groth16" },
    });
    expect(receiptFromJson(JSON.parse(JSON.stringify(json)))).toEqual(receipt);
  });

  it("gives receiptToJson's text a piece at a time, each holding the hex of one slice", () => {
    for (const proofBytes of [0, 1, 3, 4, 5, 11]) {
      const large = { ...receipt, proof: Uint8Array.from({ length: proofBytes }, (_, i) => i) };
      const pieces = [...receiptJsonPieces(large, 4)];
      expect(pieces.join("")).toBe(JSON.stringify(receiptToJson(large)));
      // Three pieces of punctuation and names, the proof's slices, the public values' one slice.
      expect(pieces).toHaveLength(3 + Math.ceil(proofBytes / 4) + 1);
      for (const hex of pieces.filter((piece) => /^[0-9a-f]+$/.test(piece))) {
        expect(hex.length).toBeLessThanOrEqual(8);
      }
    }
  });

  it("refuses an invalid receipt when its pieces are asked for, before any is produced", () => {
    const unnamed = { ...receipt, metadata: { ...receipt.metadata, programId: new Uint8Array(3) } };
    expect(() => receiptJsonPieces(unnamed)).toThrow(ReceiptFormatError);
  });

  it("round-trips through hex of the binary encoding", () => {
    const hex = receiptToHex(receipt);
    expect(hex).toBe(`0x${Buffer.from(expectedBytes).toString("hex")}`);
    expect(receiptFromHex(hex)).toEqual(receipt);
    expect(receiptFromHex(hex.slice(2).toUpperCase())).toEqual(receipt);
  });

  it("refuses malformed JSON shapes and hex, naming the field", () => {
    const json = receiptToJson(receipt);
    const cases: [unknown, RegExp][] = [
      [null, /^receipt must be an object/],
      [{ ...json, extra: 1 }, /receipt has unknown fields: extra/],
      [{ proof: json.proof, publicValues: json.publicValues }, /receipt.metadata is missing/],
      [{ ...json, proof: "aabb" }, /receipt.proof must be a 0x-prefixed hex string/],
      [{ ...json, proof: "0xabc" }, /receipt.proof is not an even number of hex digits/],
      [{ ...json, publicValues: "0xzz" }, /receipt.publicValues is not an even number of hex digits/],
      [{ ...json, metadata: { ...json.metadata, programId: "0x11" } }, /programId must be 32 bytes/],
      [{ ...json, metadata: { ...json.metadata, zkvm: "jolt" } }, /zkvm "jolt" is unknown/],
      [{ ...json, metadata: { ...json.metadata, version: 1 } }, /version must be a well-formed string/],
    ];
    for (const [input, message] of cases) {
      expect(() => receiptFromJson(input)).toThrow(message);
      expect(() => receiptFromJson(input)).toThrow(ReceiptFormatError);
    }
    expect(codeOf(() => receiptFromHex("0x12345"))).toBe("RECEIPT_BAD_HEX");
    expect(codeOf(() => receiptFromHex("0xnothex!"))).toBe("RECEIPT_BAD_HEX");
    expect(
      codeOf(() => receiptFromHex(`0x${"00".repeat(400)}`, { maxProofBytes: 1, maxPublicValuesBytes: 1 })),
    ).toBe("RECEIPT_LENGTH_OVER_LIMIT");
  });
});
