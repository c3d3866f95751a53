import { describe, expect, it } from "vitest";
import { checkWitnessLimits, EvmError, parseExecutionWitness } from "../src/index.js";

const valid = { state: ["0xc180"], codes: ["0x", "0x6000"], keys: ["0x01"], headers: ["0xc0"] };

function rejection(value: unknown, limits = {}): string {
  try {
    parseExecutionWitness(value, { limits, label: "block 7" });
  } catch (error) {
    expect(error).toBeInstanceOf(EvmError);
    expect((error as EvmError).code).toBe("INVALID_WITNESS");
    return (error as Error).message;
  }
  throw new Error("accepted");
}

describe("parseExecutionWitness", () => {
  it("accepts the standard shape and keeps only its four fields", () => {
    expect(parseExecutionWitness({ ...valid, extra: 1 })).toEqual(valid);
  });

  it("rejects values that are not witnesses, naming the field", () => {
    expect(rejection(null)).toBe("block 7: witness is not an object");
    expect(rejection([])).toBe("block 7: witness is not an object");
    expect(rejection({ ...valid, state: "0x00" })).toBe("block 7: witness.state is not an array");
    expect(rejection({ ...valid, headers: undefined })).toBe("block 7: witness.headers is not an array");
  });

  it("rejects items that are not whole-byte 0x hex", () => {
    for (const bad of ["c180", "0xc18", "0xzz", 12, null]) {
      expect(rejection({ ...valid, state: ["0x00", bad] })).toContain(
        "witness.state[1] is not a 0x-prefixed hex string",
      );
    }
  });

  it("rejects empty trie nodes and headers, accepts empty code", () => {
    expect(rejection({ ...valid, state: ["0x"] })).toContain("witness.state[0] is empty");
    expect(rejection({ ...valid, headers: ["0x"] })).toContain("witness.headers[0] is empty");
    expect(parseExecutionWitness({ ...valid, codes: ["0x"] }).codes).toEqual(["0x"]);
  });

  it("caps counts and sizes", () => {
    expect(rejection({ ...valid, state: ["0x01", "0x02"] }, { maxStateNodes: 1 })).toContain(
      "more than the limit of 1",
    );
    expect(rejection({ ...valid, codes: ["0x010203"] }, { maxCodeBytes: 2 })).toContain("has 3 bytes");
    expect(rejection({ ...valid, keys: [`0x${"00".repeat(33)}`] })).toContain("witness.keys[0] has 33 bytes");
    expect(rejection(valid, { maxTotalBytes: 3 })).toContain("exceeds 3 bytes in total");
  });
});

describe("checkWitnessLimits", () => {
  const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
  const binary = {
    state: valid.state.map(bytes),
    codes: valid.codes.map(bytes),
    keys: valid.keys.map(bytes),
    headers: valid.headers.map(bytes),
  };

  function limitRejection(witness: typeof binary, limits = {}): string {
    try {
      checkWitnessLimits(witness, { limits, label: "block 7" });
    } catch (error) {
      expect((error as EvmError).code).toBe("INVALID_WITNESS");
      return (error as Error).message;
    }
    throw new Error("accepted");
  }

  it("applies parseExecutionWitness's counts and sizes to a witness already in bytes", () => {
    expect(() => checkWitnessLimits(binary)).not.toThrow();
    expect(limitRejection({ ...binary, state: [new Uint8Array(0)] })).toBe(
      "block 7: witness.state[0] is empty",
    );
    expect(limitRejection({ ...binary, headers: [new Uint8Array(0)] })).toContain(
      "witness.headers[0] is empty",
    );
    expect(limitRejection({ ...binary, state: [bytes("0x01"), bytes("0x02")] }, { maxStateNodes: 1 })).toBe(
      "block 7: witness.state has 2 items, more than the limit of 1",
    );
    expect(limitRejection({ ...binary, codes: [bytes("0x010203")] }, { maxCodeBytes: 2 })).toContain(
      "witness.codes[0] has 3 bytes",
    );
    expect(limitRejection(binary, { maxTotalBytes: 3 })).toBe("block 7: witness exceeds 3 bytes in total");
  });
});
